//! Go binaries' embedded build information: the modules a binary was linked from and
//! the Go release that built it, exact, whatever go.mod said. Since Go 1.18 the linker
//! writes it into the `.go.buildinfo` section: a 32-byte header (`\xff Go buildinf:`,
//! pointer size, flags) followed by two length-prefixed strings, the Go version and the
//! module information (`path`, `mod`, `dep` lines, each `dep` possibly followed by a
//! `=>` replacement).
//!
//! Only ELF files are read (container images and Linux hosts); only the section headers
//! and that one section are read, never the whole binary. Older binaries (before Go
//! 1.18, pointer-based layout) are reported as not readable rather than guessed at.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use crate::error::CatalogError;
use crate::package::{Ecosystem, FoundAt, Package};
use crate::purl;

const ELF_MAGIC: &[u8; 4] = b"\x7fELF";
const BUILDINFO_MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// Largest section-header table and `.go.buildinfo` section read.
const MAX_SECTION_BYTES: u64 = 4 * 1024 * 1024;

/// Whether a file starts like an ELF binary (the cheap test before [`read_buildinfo`]).
pub(crate) fn is_elf(prefix: &[u8]) -> bool {
    prefix.starts_with(ELF_MAGIC)
}

/// The `.go.buildinfo` section of an ELF file; `None` when the file has none (a binary
/// not built by Go).
pub(crate) fn read_buildinfo<R: Read + Seek>(file: &mut R) -> io::Result<Option<Vec<u8>>> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let mut ident = [0u8; 64];
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut ident)
        .map_err(|_| invalid("truncated ELF header"))?;
    if !is_elf(&ident) {
        return Ok(None);
    }
    let is_64 = match ident[4] {
        1 => false,
        2 => true,
        _ => return Err(invalid("unknown ELF class")),
    };
    let little = match ident[5] {
        1 => true,
        2 => false,
        _ => return Err(invalid("unknown ELF byte order")),
    };
    let u16_at = |b: &[u8], at: usize| -> u64 {
        let v = [b[at], b[at + 1]];
        u64::from(if little {
            u16::from_le_bytes(v)
        } else {
            u16::from_be_bytes(v)
        })
    };
    let u32_at = |b: &[u8], at: usize| -> u64 {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        u64::from(if little {
            u32::from_le_bytes(v)
        } else {
            u32::from_be_bytes(v)
        })
    };
    let u64_at = |b: &[u8], at: usize| -> u64 {
        let mut v = [0u8; 8];
        v.copy_from_slice(&b[at..at + 8]);
        if little {
            u64::from_le_bytes(v)
        } else {
            u64::from_be_bytes(v)
        }
    };
    let (shoff, shentsize, shnum, shstrndx) = if is_64 {
        (
            u64_at(&ident, 0x28),
            u16_at(&ident, 0x3A),
            u16_at(&ident, 0x3C),
            u16_at(&ident, 0x3E),
        )
    } else {
        (
            u32_at(&ident, 0x20),
            u16_at(&ident, 0x2E),
            u16_at(&ident, 0x30),
            u16_at(&ident, 0x32),
        )
    };
    let min_entry = if is_64 { 64 } else { 40 };
    if shnum == 0 || shentsize < min_entry || shstrndx >= shnum {
        return Ok(None);
    }
    let table = read_range(file, shoff, shentsize * shnum)?;
    // (name offset, file offset, size) of section `index`.
    let section = |index: u64| -> (u64, u64, u64) {
        let at = usize::try_from(index * shentsize).unwrap_or(usize::MAX);
        if is_64 {
            (
                u32_at(&table, at),
                u64_at(&table, at + 24),
                u64_at(&table, at + 32),
            )
        } else {
            (
                u32_at(&table, at),
                u32_at(&table, at + 16),
                u32_at(&table, at + 20),
            )
        }
    };
    let (_, names_offset, names_size) = section(shstrndx);
    let names = read_range(file, names_offset, names_size)?;
    for index in 0..shnum {
        let (name, offset, size) = section(index);
        let name = usize::try_from(name).unwrap_or(usize::MAX);
        if names
            .get(name..)
            .is_some_and(|rest| rest.starts_with(b".go.buildinfo\0"))
        {
            return read_range(file, offset, size).map(Some);
        }
    }
    Ok(None)
}

fn read_range<R: Read + Seek>(file: &mut R, offset: u64, size: u64) -> io::Result<Vec<u8>> {
    if size > MAX_SECTION_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "an ELF section of {size} bytes is larger than the {MAX_SECTION_BYTES}-byte limit"
            ),
        ));
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = vec![0; usize::try_from(size).unwrap_or(0)];
    file.read_exact(&mut bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "an ELF section lies past the end of the file",
        )
    })?;
    Ok(bytes)
}

/// The packages a `.go.buildinfo` section names: every `dep` module (after its
/// replacement) and `stdlib` at the Go release that built the binary. The main module
/// is left out: its version is `(devel)` unless built from a module proxy.
pub(crate) fn packages(path: &Arc<str>, section: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let error = |message: &str| CatalogError::parse(path, None, message.to_string());
    let header = section
        .get(..32)
        .ok_or_else(|| error("truncated Go build info"))?;
    if !header.starts_with(BUILDINFO_MAGIC) {
        return Err(error("`.go.buildinfo` without its magic bytes"));
    }
    if header[15] & 0x2 == 0 {
        return Err(error(
            "built before Go 1.18 (pointer-based build info); its modules are not read",
        ));
    }
    let mut rest = &section[32..];
    let go_version = take_string(&mut rest).ok_or_else(|| error("bad Go version string"))?;
    let mut module_info =
        take_string(&mut rest).ok_or_else(|| error("bad module information string"))?;
    // cmd/go wraps the text in 16-byte sentinels.
    if module_info.len() >= 33 && module_info[module_info.len() - 17] == b'\n' {
        module_info = &module_info[16..module_info.len() - 16];
    }
    let text = String::from_utf8_lossy(module_info);
    let found_at = FoundAt {
        path: Arc::clone(path),
        line: None,
    };
    let mut modules: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["dep", module, version, ..] => modules.push((module.to_string(), version.to_string())),
            ["=>", module, version, ..] => {
                if let Some(last) = modules.last_mut() {
                    *last = (module.to_string(), version.to_string());
                }
            }
            _ => {}
        }
    }
    let mut packages: Vec<Package> = modules
        .into_iter()
        .filter(|(module, _)| !module.is_empty())
        .map(|(module, version)| go_package(module, &version, &found_at))
        .collect();
    let go = String::from_utf8_lossy(go_version);
    // `go1.22.3`, `go1.22.3 X:boringcrypto`, `devel go1.23-abc123 ...`: only releases.
    if let Some(release) = go
        .split_whitespace()
        .next()
        .and_then(|v| v.strip_prefix("go"))
        && release.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !release.is_empty()
    {
        packages.push(go_package("stdlib".to_string(), release, &found_at));
    }
    Ok(packages)
}

/// A Go module as a package: OSV's Go versions have no `v`; the purl keeps it.
fn go_package(module: String, version: &str, found_at: &FoundAt) -> Package {
    let bare = version.strip_prefix('v').unwrap_or(version);
    let bare = if bare == "(devel)" { "" } else { bare };
    let mut package = Package::new(Ecosystem::Go, module, bare, found_at.clone());
    if !bare.is_empty() {
        package.purl = purl::for_package(Ecosystem::Go, &package.name, &format!("v{bare}"));
    }
    package
}

/// Reads an unsigned-varint length and that many bytes.
fn take_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let mut length: u64 = 0;
    let mut shift = 0;
    loop {
        let (&byte, tail) = rest.split_first()?;
        *rest = tail;
        length |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    let length = usize::try_from(length).ok()?;
    let (text, tail) = (rest.get(..length)?, rest.get(length..)?);
    *rest = tail;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.go.buildinfo` section as Go 1.18+ writes it.
    pub(crate) fn section(go: &str, modinfo: &str) -> Vec<u8> {
        let mut out = BUILDINFO_MAGIC.to_vec();
        out.push(8);
        out.push(0x2);
        out.resize(32, 0);
        let sentinel_start = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
        let sentinel_end = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";
        let mut wrapped = sentinel_start.to_vec();
        wrapped.extend_from_slice(modinfo.as_bytes());
        wrapped.extend_from_slice(sentinel_end);
        for text in [go.as_bytes(), &wrapped[..]] {
            let mut n = text.len();
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                out.push(if n > 0 { byte | 0x80 } else { byte });
                if n == 0 {
                    break;
                }
            }
            out.extend_from_slice(text);
        }
        out
    }

    #[test]
    fn modules_and_replacements_and_the_go_release_are_read() {
        let info = "path\texample.com/cmd/app\nmod\texample.com\t(devel)\t\n\
dep\tgithub.com/pkg/errors\tv0.9.1\th1:abc=\n\
dep\tgolang.org/x/net\tv0.0.1\th1:def=\n=>\tgolang.org/x/net\tv0.17.0\th1:ghi=\n\
build\t-compiler=gc\nbuild\tGOOS=linux\n";
        let path: Arc<str> = Arc::from("bin/app");
        let found = packages(&path, &section("go1.21.5", info)).unwrap();
        let got: Vec<(String, String, String)> = found
            .iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.purl.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "github.com/pkg/errors".into(),
                    "0.9.1".into(),
                    "pkg:golang/github.com/pkg/errors@v0.9.1".into()
                ),
                (
                    "golang.org/x/net".into(),
                    "0.17.0".into(),
                    "pkg:golang/golang.org/x/net@v0.17.0".into()
                ),
                (
                    "stdlib".into(),
                    "1.21.5".into(),
                    "pkg:golang/stdlib@v1.21.5".into()
                ),
            ]
        );
    }

    #[test]
    fn hostile_sections_are_errors_not_panics() {
        let path: Arc<str> = Arc::from("x");
        assert!(packages(&path, b"short").is_err());
        let mut old = section("go1.17", "");
        old[15] = 0;
        assert!(
            packages(&path, &old)
                .unwrap_err()
                .to_string()
                .contains("before Go 1.18")
        );
        let mut cut = section("go1.21.5", "dep\ta\tv1\n");
        cut.truncate(40);
        assert!(packages(&path, &cut).is_err());
        let mut huge = BUILDINFO_MAGIC.to_vec();
        huge.extend_from_slice(&[8, 2]);
        huge.resize(32, 0);
        huge.extend_from_slice(&[0xff; 12]);
        assert!(packages(&path, &huge).is_err());
    }

    /// A minimal little-endian ELF64 file: sections null, `.shstrtab`, `.go.buildinfo`.
    fn elf_with(buildinfo: &[u8]) -> Vec<u8> {
        let names = b"\0.shstrtab\0.go.buildinfo\0";
        let mut file = vec![0u8; 64];
        file[..4].copy_from_slice(ELF_MAGIC);
        file[4] = 2; // 64-bit
        file[5] = 1; // little-endian
        let names_at = file.len() as u64;
        file.extend_from_slice(names);
        let info_at = file.len() as u64;
        file.extend_from_slice(buildinfo);
        let headers_at = file.len() as u64;
        let mut header = |name: u32, offset: u64, size: u64| {
            let mut entry = vec![0u8; 64];
            entry[..4].copy_from_slice(&name.to_le_bytes());
            entry[24..32].copy_from_slice(&offset.to_le_bytes());
            entry[32..40].copy_from_slice(&size.to_le_bytes());
            file.extend_from_slice(&entry);
        };
        header(0, 0, 0);
        header(1, names_at, names.len() as u64);
        header(11, info_at, buildinfo.len() as u64);
        file[0x28..0x30].copy_from_slice(&headers_at.to_le_bytes());
        file[0x3A..0x3C].copy_from_slice(&64u16.to_le_bytes());
        file[0x3C..0x3E].copy_from_slice(&3u16.to_le_bytes());
        file[0x3E..0x40].copy_from_slice(&1u16.to_le_bytes());
        file
    }

    #[test]
    fn the_section_is_found_through_the_section_headers() {
        let info = section("go1.22.1", "dep\tgithub.com/a/b\tv1.2.3\th1:x=\n");
        let mut file = std::io::Cursor::new(elf_with(&info));
        assert_eq!(read_buildinfo(&mut file).unwrap(), Some(info));
        // A section header pointing past the end is an error, not a huge allocation.
        let mut broken = elf_with(&section("go1.22.1", ""));
        let headers_at = broken.len() - 64;
        broken[headers_at + 32..headers_at + 40].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(read_buildinfo(&mut std::io::Cursor::new(broken)).is_err());
    }

    #[test]
    fn elf_files_without_the_section_give_nothing_and_garbage_is_an_error() {
        let me = std::env::current_exe().unwrap();
        let mut file = std::fs::File::open(me).unwrap();
        assert_eq!(
            read_buildinfo(&mut file).unwrap(),
            None,
            "a Rust binary has no Go build info"
        );
        let mut junk = std::io::Cursor::new(b"\x7fELF\x02\x01garbage".to_vec());
        assert!(read_buildinfo(&mut junk).is_err());
        let mut text = std::io::Cursor::new(vec![b'a'; 100]);
        assert_eq!(read_buildinfo(&mut text).unwrap(), None);
    }
}
