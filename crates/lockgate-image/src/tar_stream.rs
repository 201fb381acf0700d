//! A streaming reader of tar headers for layer blobs and archives: each entry's name,
//! type, mode, owner, size, link target and the offset of its data in the stream.
//!
//! Hand-written rather than the `tar` crate because images are hostile input: `tar` reads
//! GNU long names and PAX headers whole into memory, whatever size their header claims,
//! so one crafted layer asks for gigabytes. Here every extension is capped at
//! [`MAX_EXTENSION`], every header checksum is checked, and a short read is an error that
//! says where. The reader only reads forward, so it works on a decompressing stream; data
//! is skipped (read and dropped) unless the caller reads it.

use std::io::{self, Read, Seek, SeekFrom};

/// A stream the reader can move forward in: by reading and dropping ([`Sequential`], for
/// decompressing streams) or by seeking ([`Seekable`], for archives on disk, where a
/// multi-gigabyte layer is passed over without being read).
pub trait Forward: Read {
    /// Moves `count` bytes forward; returns how many there were.
    fn forward(&mut self, count: u64) -> io::Result<u64>;
}

/// Any reader; skipping reads.
pub struct Sequential<R>(pub R);

impl<R: Read> Read for Sequential<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Forward for Sequential<R> {
    fn forward(&mut self, count: u64) -> io::Result<u64> {
        io::copy(&mut (&mut self.0).take(count), &mut io::sink())
    }
}

/// A file (or anything seekable of known length); skipping seeks.
pub struct Seekable<R> {
    inner: R,
    position: u64,
    length: u64,
}

impl<R: Read + Seek> Seekable<R> {
    pub fn new(mut inner: R) -> io::Result<Self> {
        let length = inner.seek(SeekFrom::End(0))?;
        inner.seek(SeekFrom::Start(0))?;
        Ok(Seekable {
            inner,
            position: 0,
            length,
        })
    }
}

impl<R: Read + Seek> Read for Seekable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buf)?;
        self.position += count as u64;
        Ok(count)
    }
}

impl<R: Read + Seek> Forward for Seekable<R> {
    fn forward(&mut self, count: u64) -> io::Result<u64> {
        let moved = count.min(self.length.saturating_sub(self.position));
        self.inner
            .seek(SeekFrom::Current(i64::try_from(moved).unwrap_or(i64::MAX)))?;
        self.position += moved;
        Ok(moved)
    }
}

/// Long names, long link targets and PAX records above this size are refused.
pub const MAX_EXTENSION: u64 = 1 << 20;

const BLOCK: usize = 512;

/// What an entry is, after GNU and PAX extensions are folded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    HardLink,
    Symlink,
    Directory,
    /// Character and block devices, FIFOs.
    Special,
}

#[derive(Debug, Clone)]
pub struct TarEntry {
    /// The name as stored (bytes; not validated: the caller decides what a safe path is).
    pub path: Vec<u8>,
    pub link: Vec<u8>,
    pub kind: EntryKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// Where the entry's data starts in the stream.
    pub data_offset: u64,
}

/// Reads entries one by one. Call [`TarStream::next_entry`] until it returns `None`; the
/// data of the previous entry is skipped when it was not read with
/// [`TarStream::read_data`].
pub struct TarStream<R> {
    inner: R,
    position: u64,
    /// Data bytes of the current entry not read yet, plus its padding to the block.
    pending: u64,
    pending_padding: u64,
    finished: bool,
    /// Whether the end-of-archive marker (a zero block) was seen.
    end_marker: bool,
}

impl<R: Forward> TarStream<R> {
    pub fn new(inner: R) -> Self {
        TarStream {
            inner,
            position: 0,
            pending: 0,
            pending_padding: 0,
            finished: false,
            end_marker: false,
        }
    }

    /// The next entry, or `None` at the end-of-archive marker or the end of the stream.
    pub fn next_entry(&mut self) -> io::Result<Option<TarEntry>> {
        if self.finished {
            return Ok(None);
        }
        self.skip_pending()?;
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        loop {
            let header_offset = self.position;
            let mut header = [0u8; BLOCK];
            if !self.read_block(&mut header)? {
                // A stream that ends without the end-of-archive marker: what was read is
                // complete, and layer tools do write such streams.
                self.finished = true;
                return Ok(None);
            }
            if header.iter().all(|&b| b == 0) {
                self.finished = true;
                self.end_marker = true;
                return Ok(None);
            }
            verify_checksum(&header, header_offset)?;
            let size = parse_number(&header[124..136])
                .ok_or_else(|| corrupt(header_offset, "an unreadable size field"))?;
            let flag = header[156];
            match flag {
                b'L' | b'K' | b'x' | b'g' => {
                    let data = self.read_extension(size, header_offset)?;
                    match flag {
                        b'L' => long_name = Some(trim_nul(&data).to_vec()),
                        b'K' => long_link = Some(trim_nul(&data).to_vec()),
                        b'x' => pax = parse_pax(&data, header_offset)?,
                        // Global PAX headers set defaults for the whole archive; none of
                        // their keys matters to lockgate.
                        _ => {}
                    }
                    continue;
                }
                b'S' => {
                    return Err(corrupt(
                        header_offset,
                        "a GNU sparse file, which image layers never contain",
                    ));
                }
                _ => {}
            }
            let kind = match flag {
                b'0' | 0 | b'7' => EntryKind::File,
                b'1' => EntryKind::HardLink,
                b'2' => EntryKind::Symlink,
                b'5' => EntryKind::Directory,
                b'3' | b'4' | b'6' => EntryKind::Special,
                // Unknown types (vendor extensions): POSIX says read them as regular
                // files, so their data is skipped correctly.
                _ => EntryKind::File,
            };
            let mut path = long_name.take().unwrap_or_else(|| ustar_name(&header));
            let mut link = long_link
                .take()
                .unwrap_or_else(|| trim_nul(&header[157..257]).to_vec());
            let mut entry_size = size;
            let mut uid = parse_number(&header[108..116]).unwrap_or(0);
            let mut gid = parse_number(&header[116..124]).unwrap_or(0);
            for (key, value) in pax.drain(..) {
                match key.as_slice() {
                    b"path" => path = value,
                    b"linkpath" => link = value,
                    b"size" => {
                        entry_size = parse_decimal(&value).ok_or_else(|| {
                            corrupt(header_offset, "a PAX size that is not a number")
                        })?;
                    }
                    b"uid" => uid = parse_decimal(&value).unwrap_or(uid),
                    b"gid" => gid = parse_decimal(&value).unwrap_or(gid),
                    _ => {}
                }
            }
            let mode =
                u32::try_from(parse_number(&header[100..108]).unwrap_or(0) & 0o7777).unwrap_or(0);
            // Links and directories carry no data even when a (hostile) header says so.
            let data_size = match kind {
                EntryKind::File => entry_size,
                _ => 0,
            };
            self.pending = data_size;
            self.pending_padding = padding(data_size);
            return Ok(Some(TarEntry {
                path,
                link,
                kind,
                mode,
                uid,
                gid,
                size: data_size,
                data_offset: self.position,
            }));
        }
    }

    /// Reads the current entry's data, at most `limit` bytes; `Ok(None)` when it is larger.
    pub fn read_data(&mut self, limit: u64) -> io::Result<Option<Vec<u8>>> {
        if self.pending > limit {
            return Ok(None);
        }
        let mut data = Vec::with_capacity(usize::try_from(self.pending).unwrap_or(0));
        let wanted = self.pending;
        let read = (&mut self.inner).take(wanted).read_to_end(&mut data)? as u64;
        self.position += read;
        self.pending -= read;
        if read < wanted {
            return Err(truncated(self.position));
        }
        Ok(Some(data))
    }

    /// Reads the rest of the stream (after the end marker), so that whatever wraps the
    /// stream (a digest check) sees all of it.
    pub fn drain(&mut self) -> io::Result<u64> {
        self.skip_pending()?;
        let drained = self.inner.forward(u64::MAX)?;
        self.position += drained;
        Ok(drained)
    }

    /// Whether the stream ended with the end-of-archive marker rather than just
    /// stopping (some layer writers leave it out).
    pub fn saw_end_marker(&self) -> bool {
        self.end_marker
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    fn skip_pending(&mut self) -> io::Result<()> {
        let wanted = self.pending + self.pending_padding;
        if wanted == 0 {
            return Ok(());
        }
        let skipped = self.inner.forward(wanted)?;
        self.position += skipped;
        self.pending = 0;
        self.pending_padding = 0;
        if skipped < wanted {
            return Err(truncated(self.position));
        }
        Ok(())
    }

    fn read_extension(&mut self, size: u64, header_offset: u64) -> io::Result<Vec<u8>> {
        if size > MAX_EXTENSION {
            return Err(corrupt(
                header_offset,
                &format!(
                    "a {size}-byte name or extended header (at most {MAX_EXTENSION} are read)"
                ),
            ));
        }
        self.pending = size;
        self.pending_padding = padding(size);
        let data = self.read_data(MAX_EXTENSION)?.unwrap_or_default();
        self.skip_pending()?;
        Ok(data)
    }

    /// Fills `block`; `false` at a clean end of stream before its first byte.
    fn read_block(&mut self, block: &mut [u8; BLOCK]) -> io::Result<bool> {
        let mut filled = 0;
        while filled < BLOCK {
            match self.inner.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.position += filled as u64;
        match filled {
            0 => Ok(false),
            BLOCK => Ok(true),
            _ => Err(truncated(self.position)),
        }
    }
}

fn padding(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

fn trim_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// `prefix/name` for ustar headers, `name` otherwise.
fn ustar_name(header: &[u8; BLOCK]) -> Vec<u8> {
    let name = trim_nul(&header[0..100]);
    let is_ustar = &header[257..262] == b"ustar";
    let prefix = if is_ustar {
        trim_nul(&header[345..500])
    } else {
        &[]
    };
    if prefix.is_empty() {
        name.to_vec()
    } else {
        let mut path = prefix.to_vec();
        path.push(b'/');
        path.extend_from_slice(name);
        path
    }
}

/// An octal number (space or NUL terminated) or GNU's base-256 form (high bit set).
fn parse_number(field: &[u8]) -> Option<u64> {
    if let Some((&first, rest)) = field.split_first()
        && first & 0x80 != 0
    {
        if first & 0x40 != 0 {
            return None; // negative
        }
        let mut value = u64::from(first & 0x3f);
        for &byte in rest {
            value = value.checked_mul(256)?.checked_add(u64::from(byte))?;
        }
        return Some(value);
    }
    let text = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| b != 0 && b != b' ');
    let mut value: u64 = 0;
    let mut digits = 0;
    for byte in text {
        if !(b'0'..=b'7').contains(&byte) {
            return None;
        }
        value = value.checked_mul(8)?.checked_add(u64::from(byte - b'0'))?;
        digits += 1;
    }
    (digits > 0 || field.iter().all(|&b| b == 0 || b == b' ')).then_some(value)
}

fn parse_decimal(text: &[u8]) -> Option<u64> {
    std::str::from_utf8(text).ok()?.trim().parse().ok()
}

fn verify_checksum(header: &[u8; BLOCK], offset: u64) -> io::Result<()> {
    let stored = parse_number(&header[148..156]).ok_or_else(|| corrupt(offset, "no checksum"))?;
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (index, &byte) in header.iter().enumerate() {
        let byte = if (148..156).contains(&index) {
            b' '
        } else {
            byte
        };
        unsigned += u64::from(byte);
        signed += i64::from(byte as i8);
    }
    if stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed) {
        Ok(())
    } else {
        Err(corrupt(offset, "a header whose checksum does not match"))
    }
}

/// PAX records: `<length> <key>=<value>\n`, the length counting the whole record.
fn parse_pax(data: &[u8], offset: u64) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut records = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.iter().all(|&b| b == 0) {
            break;
        }
        let space = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| corrupt(offset, "a PAX record without a length"))?;
        let length = parse_decimal(&rest[..space])
            .and_then(|l| usize::try_from(l).ok())
            .filter(|&l| l > space + 1 && l <= rest.len())
            .ok_or_else(|| corrupt(offset, "a PAX record with a wrong length"))?;
        let record = &rest[space + 1..length];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(equals) = record.iter().position(|&b| b == b'=') {
            records.push((record[..equals].to_vec(), record[equals + 1..].to_vec()));
        }
        rest = &rest[length..];
    }
    Ok(records)
}

fn corrupt(offset: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the tar stream has {what} at byte {offset}"),
    )
}

fn truncated(offset: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the tar stream ends in the middle of an entry at byte {offset} (truncated)"),
    )
}

/// Writes tar streams for tests (this crate's and the engine's): real headers with
/// checksums, so the reader is tested on what tools write.
#[doc(hidden)]
pub mod testing {
    /// One entry to write: `(path, type flag, mode, data or link target)`.
    pub struct Item<'a> {
        pub path: &'a str,
        pub flag: u8,
        pub mode: u32,
        pub data: &'a [u8],
        pub link: &'a str,
    }

    impl<'a> Item<'a> {
        pub fn file(path: &'a str, data: &'a [u8]) -> Self {
            Item {
                path,
                flag: b'0',
                mode: 0o644,
                data,
                link: "",
            }
        }
        pub fn dir(path: &'a str) -> Self {
            Item {
                path,
                flag: b'5',
                mode: 0o755,
                data: b"",
                link: "",
            }
        }
        pub fn symlink(path: &'a str, target: &'a str) -> Self {
            Item {
                path,
                flag: b'2',
                mode: 0o777,
                data: b"",
                link: target,
            }
        }
        pub fn hardlink(path: &'a str, target: &'a str) -> Self {
            Item {
                path,
                flag: b'1',
                mode: 0o644,
                data: b"",
                link: target,
            }
        }
        pub fn mode(mut self, mode: u32) -> Self {
            self.mode = mode;
            self
        }
    }

    pub fn header(path: &[u8], flag: u8, mode: u32, size: u64, link: &str) -> [u8; 512] {
        let mut h = [0u8; 512];
        let name_len = path.len().min(100);
        h[..name_len].copy_from_slice(&path[..name_len]);
        h[100..107].copy_from_slice(format!("{mode:07o}").as_bytes());
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        if size < 0o77_777_777_777 {
            h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        } else {
            // GNU base-256 for sizes over 8 GiB.
            h[124] = 0x80;
            h[128..136].copy_from_slice(&size.to_be_bytes());
        }
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = flag;
        let link_len = link.len().min(100);
        h[157..157 + link_len].copy_from_slice(&link.as_bytes()[..link_len]);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    /// A whole archive with the end-of-archive marker. Names over 100 bytes get a GNU
    /// long-name entry.
    pub fn archive(items: &[Item<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for item in items {
            if item.path.len() > 100 {
                let mut name = item.path.as_bytes().to_vec();
                name.push(0);
                out.extend_from_slice(&header(b"././@LongLink", b'L', 0, name.len() as u64, ""));
                push_data(&mut out, &name);
            }
            out.extend_from_slice(&header(
                item.path.as_bytes(),
                item.flag,
                item.mode,
                item.data.len() as u64,
                item.link,
            ));
            push_data(&mut out, item.data);
        }
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    pub fn push_data(out: &mut Vec<u8>, data: &[u8]) {
        out.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::testing::*;
    use super::*;

    fn entries(bytes: &[u8]) -> io::Result<Vec<TarEntry>> {
        let mut stream = TarStream::new(Sequential(bytes));
        let mut out = Vec::new();
        while let Some(entry) = stream.next_entry()? {
            out.push(entry);
        }
        Ok(out)
    }

    #[test]
    fn reads_entries_with_offsets() {
        let long = format!("usr/share/{}/file.txt", "d".repeat(120));
        let bytes = archive(&[
            Item::dir("etc/"),
            Item::file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n").mode(0o644),
            Item::symlink("bin/sh", "busybox"),
            Item::file(&long, b"long"),
            Item::file("usr/bin/su", b"x").mode(0o4755),
        ]);
        let found = entries(&bytes).unwrap();
        assert_eq!(found.len(), 5);
        assert_eq!(found[1].path, b"etc/passwd");
        let offset = usize::try_from(found[1].data_offset).unwrap();
        assert_eq!(&bytes[offset..offset + 5], b"root:");
        assert_eq!(found[2].kind, EntryKind::Symlink);
        assert_eq!(found[2].link, b"busybox");
        assert_eq!(found[3].path, long.as_bytes());
        assert_eq!(&bytes[found[3].data_offset as usize..][..4], b"long");
        assert_eq!(found[4].mode, 0o4755);
    }

    #[test]
    fn refuses_huge_extensions_without_reading_them() {
        let mut bytes = header(b"././@LongLink", b'L', 0, 8 << 30, "").to_vec();
        bytes.extend_from_slice(&[b'a'; 512]);
        let error = entries(&bytes).unwrap_err().to_string();
        assert!(error.contains("name or extended header"), "{error}");
    }

    #[test]
    fn refuses_bad_checksums_and_truncation() {
        let mut bytes = archive(&[Item::file("a", b"0123456789")]);
        bytes[0] = b'b';
        assert!(
            entries(&bytes)
                .unwrap_err()
                .to_string()
                .contains("checksum")
        );
        let bytes = archive(&[Item::file("a", &[7u8; 2000])]);
        let error = entries(&bytes[..1000]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn pax_records_override_the_header() {
        let records = b"31 path=pax/long/name/here.txt\n";
        let mut bytes = header(b"PaxHeader", b'x', 0, records.len() as u64, "").to_vec();
        push_data(&mut bytes, records);
        bytes.extend_from_slice(&header(b"short", b'0', 0o600, 3, ""));
        push_data(&mut bytes, b"abc");
        bytes.extend_from_slice(&[0u8; 1024]);
        let found = entries(&bytes).unwrap();
        assert_eq!(found[0].path, b"pax/long/name/here.txt");
        assert_eq!(found[0].size, 3);
    }

    #[test]
    fn never_panics_on_garbage() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..300 {
            let mut bytes = archive(&[Item::file("a/b", b"data"), Item::symlink("c", "/x")]);
            for _ in 0..(round % 7 + 1) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state as usize) % bytes.len();
                bytes[at] = (state >> 32) as u8;
            }
            let _ = entries(&bytes);
        }
    }
}
