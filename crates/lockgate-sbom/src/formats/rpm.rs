//! rpm's package database in its SQLite form (`var/lib/rpm/rpmdb.sqlite`, the default
//! since Fedora 33 and RHEL 9; `usr/lib/sysimage/rpm/` on newer systems). Each row of
//! the `Packages` table holds one package's header blob: an index of `(tag, type,
//! offset, count)` entries followed by a data store, all big-endian.
//!
//! The database is opened from the bytes already read (`sqlite3_deserialize`, read
//! only), so an image's copy needs no temporary file. Every header is bounded and
//! checked before it is read; a malformed header is a problem for that row, not a panic.
//! The older Berkeley DB and NDB formats are not read.

use rusqlite::{Connection, MAIN_DB, OpenFlags};

use crate::catalog::Input;
use crate::error::CatalogError;
use crate::package::{Ecosystem, Package, SourcePackage};
use crate::purl;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_I18NSTRING: u32 = 9;

/// Most index entries one header may declare (real headers have a few hundred).
const MAX_INDEX_ENTRIES: usize = 1 << 16;

pub(crate) fn parse(input: &Input, bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let rows = read_blobs(bytes)
        .map_err(|e| input.error(None, format!("not a readable rpm SQLite database: {e}")))?;
    let mut packages = Vec::new();
    for (row, blob) in rows {
        match Header::parse(&blob) {
            Ok(header) => {
                if let Some(package) = package_of(input, &header) {
                    packages.push(package);
                }
            }
            Err(reason) => {
                input.warn(input.incomplete(None, format!("package row {row}: {reason}")))
            }
        }
    }
    Ok(packages)
}

/// The `(hnum, blob)` rows of the `Packages` table.
fn read_blobs(bytes: &[u8]) -> rusqlite::Result<Vec<(i64, Vec<u8>)>> {
    let mut bytes = bytes.to_vec();
    // rpm writes its database in WAL mode; a deserialized (in-memory) database cannot be
    // WAL, so the header's read/write format versions (bytes 18 and 19) are set back to
    // the rollback journal. The pages themselves are the same.
    if bytes.len() >= 100 && bytes.starts_with(b"SQLite format 3\0") {
        for at in [18, 19] {
            if bytes[at] == 2 {
                bytes[at] = 1;
            }
        }
    }
    let mut connection = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let size = bytes.len();
    connection.deserialize_read_exact(MAIN_DB, &bytes[..], size, true)?;
    let mut statement = connection.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
    })?;
    rows.collect()
}

/// The tags of one header that cataloging reads.
#[derive(Debug, Default)]
struct Header {
    name: Option<String>,
    version: Option<String>,
    release: Option<String>,
    epoch: Option<u32>,
    arch: Option<String>,
    source_rpm: Option<String>,
    license: Option<String>,
}

impl Header {
    /// Parses a header blob as rpm's database stores it (no lead, no magic): index
    /// length and data length, the index, then the data store.
    fn parse(blob: &[u8]) -> Result<Header, String> {
        let u32_at = |at: usize| -> Option<u32> {
            blob.get(at..at + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        let entries = u32_at(0).ok_or("header shorter than 8 bytes")? as usize;
        let data_len = u32_at(4).ok_or("header shorter than 8 bytes")? as usize;
        if entries > MAX_INDEX_ENTRIES {
            return Err(format!("{entries} index entries is implausible"));
        }
        let data_start = 8 + entries * 16;
        let data = blob
            .get(data_start..data_start.saturating_add(data_len))
            .ok_or("header index or data store runs past the blob")?;
        let mut header = Header::default();
        for index in 0..entries {
            let at = 8 + index * 16;
            let (Some(tag), Some(kind), Some(offset)) =
                (u32_at(at), u32_at(at + 4), u32_at(at + 8))
            else {
                return Err("truncated index entry".into());
            };
            let offset = offset as usize;
            let string = || -> Result<String, String> {
                if kind != TYPE_STRING && kind != TYPE_I18NSTRING {
                    return Err(format!("tag {tag} is not a string"));
                }
                let rest = data
                    .get(offset..)
                    .ok_or(format!("tag {tag} points past the data"))?;
                let end = rest
                    .iter()
                    .position(|&b| b == 0)
                    .ok_or(format!("tag {tag} is not terminated"))?;
                Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
            };
            match tag {
                TAG_NAME => header.name = Some(string()?),
                TAG_VERSION => header.version = Some(string()?),
                TAG_RELEASE => header.release = Some(string()?),
                TAG_ARCH => header.arch = Some(string()?),
                TAG_SOURCERPM => header.source_rpm = Some(string()?),
                TAG_LICENSE => header.license = Some(string()?),
                TAG_EPOCH if kind == TYPE_INT32 => {
                    let bytes = data
                        .get(offset..offset + 4)
                        .ok_or("epoch points past the data")?;
                    header.epoch =
                        Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]));
                }
                _ => {}
            }
        }
        Ok(header)
    }
}

fn package_of(input: &Input, header: &Header) -> Option<Package> {
    let name = header.name.clone().filter(|n| !n.is_empty())?;
    // `gpg-pubkey` entries are imported signing keys, not software.
    if name == "gpg-pubkey" {
        return None;
    }
    let upstream = header.version.clone().unwrap_or_default();
    let release = header.release.clone().unwrap_or_default();
    let version_release = if release.is_empty() {
        upstream.clone()
    } else {
        format!("{upstream}-{release}")
    };
    // rpm's EVR: the epoch leads when it is set, as advisories write it.
    let version = match header.epoch {
        Some(epoch) if epoch > 0 => format!("{epoch}:{version_release}"),
        _ => version_release.clone(),
    };
    let mut package = Package::new(Ecosystem::Rpm, name, version, input.at(None))
        .with_licenses(header.license.as_deref());
    let source = header.source_rpm.as_deref().and_then(source_package);
    let (namespace, distro) = input.distro_purl_parts("rpm");
    let epoch = header
        .epoch
        .filter(|e| *e > 0)
        .map(|e| e.to_string())
        .unwrap_or_default();
    package.purl = purl::for_distro_package(
        Ecosystem::Rpm,
        &namespace,
        &package.name,
        &version_release,
        &[
            ("arch", header.arch.as_deref().unwrap_or_default()),
            ("distro", &distro),
            ("epoch", &epoch),
            ("upstream", header.source_rpm.as_deref().unwrap_or_default()),
        ],
    );
    package.source = source;
    package.distro.clone_from(&input.distro);
    Some(package)
}

/// `openssl-3.0.7-16.el9.src.rpm` → `openssl` at `3.0.7-16.el9`.
fn source_package(file: &str) -> Option<SourcePackage> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_string(),
        version: Some(format!("{version}-{release}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header blob with the given string tags (and an epoch).
    pub(crate) fn header_blob(strings: &[(u32, &str)], epoch: Option<u32>) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, text) in strings {
            index.push((*tag, TYPE_STRING, data.len() as u32));
            data.extend_from_slice(text.as_bytes());
            data.push(0);
        }
        if let Some(epoch) = epoch {
            while data.len() % 4 != 0 {
                data.push(0);
            }
            index.push((TAG_EPOCH, TYPE_INT32, data.len() as u32));
            data.extend_from_slice(&epoch.to_be_bytes());
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(index.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        for (tag, kind, offset) in index {
            for value in [tag, kind, offset, 1] {
                blob.extend_from_slice(&value.to_be_bytes());
            }
        }
        blob.extend_from_slice(&data);
        blob
    }

    #[test]
    fn headers_give_name_epoch_version_release_and_source() {
        let blob = header_blob(
            &[
                (TAG_NAME, "openssl-libs"),
                (TAG_VERSION, "3.0.7"),
                (TAG_RELEASE, "16.el9_2"),
                (TAG_ARCH, "x86_64"),
                (TAG_SOURCERPM, "openssl-3.0.7-16.el9_2.src.rpm"),
                (TAG_LICENSE, "ASL 2.0"),
            ],
            Some(1),
        );
        let header = Header::parse(&blob).unwrap();
        assert_eq!(header.name.as_deref(), Some("openssl-libs"));
        assert_eq!(header.epoch, Some(1));
        assert_eq!(header.license.as_deref(), Some("ASL 2.0"));
        let source = source_package(header.source_rpm.as_deref().unwrap()).unwrap();
        assert_eq!(
            (source.name.as_str(), source.version.as_deref()),
            ("openssl", Some("3.0.7-16.el9_2"))
        );
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(Header::parse(b"").is_err());
        assert!(Header::parse(&[0xff; 8]).is_err());
        let mut blob = header_blob(&[(TAG_NAME, "x")], None);
        let last = blob.len() - 1;
        blob[last] = b'x'; // no terminating NUL
        assert!(Header::parse(&blob).is_err());
        let mut wrong_offset = header_blob(&[(TAG_NAME, "x")], None);
        wrong_offset[16..20].copy_from_slice(&1000u32.to_be_bytes());
        assert!(Header::parse(&wrong_offset).is_err());
        assert!(read_blobs(b"not a database").is_err());
        assert!(read_blobs(b"").is_err());
    }

    #[test]
    fn a_real_sqlite_database_is_read_from_bytes() {
        let path =
            std::env::temp_dir().join(format!("lockgate-rpmdb-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        {
            let db = Connection::open(&path).unwrap();
            db.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);").unwrap();
            for (name, version) in [("bash", "5.1.8"), ("gpg-pubkey", "1"), ("zlib", "1.2.11")] {
                let blob = header_blob(
                    &[
                        (TAG_NAME, name),
                        (TAG_VERSION, version),
                        (TAG_RELEASE, "1.el9"),
                    ],
                    None,
                );
                db.execute("INSERT INTO Packages (blob) VALUES (?1)", [blob])
                    .unwrap();
            }
        }
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes[18], 2, "the test database is in WAL mode, like rpm's");
        let rows = read_blobs(&bytes).unwrap();
        assert_eq!(rows.len(), 3);
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(path.with_extension("sqlite-wal"));
        let _ = std::fs::remove_file(path.with_extension("sqlite-shm"));
    }
}
