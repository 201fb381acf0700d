//! The advisory database: OSV records imported from files, directories and OSV's
//! per-ecosystem `all.zip` archives into ONE file that opens in milliseconds.
//!
//! ## Why an own file format rather than SQLite
//! The database is written whole and then only read: every import rewrites it (merging
//! the records it already holds), into a temporary file that is renamed into place, so a
//! failed import never leaves a broken database. All a reader needs is "records of
//! package P in ecosystem E", an exact-key lookup. A small binary index in front of the
//! records does that without compiling a bundled SQLite (about a minute per clean build
//! on two cores) and without SQL. Layout, integers little-endian:
//!
//! ```text
//! magic "LGVULNDB" | u32 format version | u64 n + n bytes: metadata JSON (sources, age)
//! | u64 n + n bytes: binary index | u64 n + n bytes: match forms (see `compact`)
//! | u64 n + n bytes: the records, each compact OSV JSON
//! index = u32 records, (u64 JSON offset, u32 length, u64 form offset, u32 length) each
//!       | u32 keys, (u16 + ecosystem family, u16 + package name, u32 n, n × u32 record) each
//! ```
//!
//! Opening reads the metadata and the index only (and checks every offset against the
//! file's length); records are read on demand, and the match forms in one read the first
//! time something is matched. Format version 2 added the match forms: a file of another
//! version is refused with a message to import again (the JSON alone cannot be matched). Every input is hostile: files and archive
//! entries are bounded in size, archives in entry count and total size, directories in
//! depth, and nothing in them can make this code panic.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::compact;
use crate::osv::{OsvRecord, yaml_to_json};

const MAGIC: &[u8; 8] = b"LGVULNDB";
/// 1: records and index; 2: match forms added (matching no longer parses JSON).
const FORMAT_VERSION: u32 = 2;
/// Largest advisory file or archive entry read (the largest real OSV record is < 2 MiB).
pub const MAX_RECORD_FILE_BYTES: u64 = 16 << 20;
/// Most entries read from one archive (OSV's largest, Debian's, has about 100,000).
pub const MAX_ARCHIVE_ENTRIES: usize = 2_000_000;
/// Most bytes decompressed from one archive, all entries together.
pub const MAX_ARCHIVE_BYTES: u64 = 8 << 30;
/// Deepest directory level searched for records.
pub const MAX_DIRECTORY_DEPTH: usize = 32;
/// Largest metadata or index section accepted when opening a database.
const MAX_SECTION_BYTES: u64 = 1 << 30;

/// Why an import or an open failed. Each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("cannot write the database {path}: {source}")]
    Write { path: String, source: io::Error },
    #[error("{path}: not valid JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path}: not valid YAML: {message}")]
    Yaml { path: String, message: String },
    #[error("{path}: not an OSV record ({reason})")]
    NotOsv { path: String, reason: String },
    #[error("{path}: corrupt zip archive: {message}")]
    Zip { path: String, message: String },
    #[error("{path}: larger than the limit of {limit} bytes (a zip bomb or not advisory data)")]
    TooLarge { path: String, limit: u64 },
    #[error("{path}: more than {limit} entries")]
    TooManyEntries { path: String, limit: usize },
    #[error("{path}: unsupported input: expected a .json, .yaml, .yml or .zip file or a directory")]
    Unsupported { path: String },
    #[error(
        "{path}: not a readable lockgate vulnerability database ({reason}); delete it and import again"
    )]
    Corrupt { path: String, reason: String },
}

/// What kind of input a source was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    File,
    Directory,
    Zip,
}

/// One imported input, as the database remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub path: String,
    pub kind: SourceKind,
    /// OSV records read from it.
    pub records: u64,
    /// Files or entries in it that were well-formed but not OSV records (skipped).
    pub skipped: u64,
    /// Seconds since the Unix epoch.
    pub imported_unix: u64,
    /// For an archive downloaded by `db update`: the server's `ETag`, if it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// For an archive downloaded by `db update`: the server's `Last-Modified`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// Where a downloaded input came from: recorded in its [`Source`] in place of the
/// local path, so the next update can ask the server whether it changed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    pub(crate) url: String,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Metadata {
    /// When the file was written, seconds since the Unix epoch.
    written_unix: u64,
    records: u64,
    sources: Vec<Source>,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The sources of this import, in the order given.
    pub sources: Vec<Source>,
    /// Records in the database after the import (a record imported twice counts once).
    pub total_records: u64,
}

/// An open database: metadata and index in memory, records read on demand.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    metadata: Metadata,
    /// Where each record's JSON and match form are, by record number.
    records: Vec<RecordSpans>,
    /// (ecosystem family, normalized package name) → record numbers.
    index: HashMap<(String, String), Vec<u32>>,
    records_start: u64,
    forms_start: u64,
    forms_len: u64,
    /// The match forms section, read whole on first use (a few MB: one read is cheaper
    /// than one seek and read per record when a scan touches thousands of them).
    forms: OnceLock<Vec<u8>>,
    file: Mutex<File>,
}

/// (offset, length) of a record's JSON in the records section and of its match form in
/// the match forms section.
#[derive(Debug, Clone, Copy)]
struct RecordSpans {
    json: (u64, u32),
    form: (u64, u32),
}

/// The part of an OSV ecosystem string before the release (`Debian:12` → `Debian`).
pub fn ecosystem_family(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem).trim()
}

/// A package name as the ecosystem compares names: PyPI per PEP 503 (case-insensitive,
/// runs of `-`, `_`, `.` equal); every other ecosystem exactly (Go module paths,
/// Maven coordinates and npm names are case-sensitive as published).
pub fn normalize_name(family: &str, name: &str) -> String {
    if family != "PyPI" {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator = false;
        }
    }
    out
}

impl Database {
    /// Opens a database written by [`Database::import`].
    pub fn open(path: &Path) -> Result<Database, DbError> {
        let shown = path.display().to_string();
        let corrupt = |reason: &str| DbError::Corrupt {
            path: shown.clone(),
            reason: reason.to_owned(),
        };
        let read_err = |source| DbError::Read {
            path: shown.clone(),
            source,
        };
        let mut file = File::open(path).map_err(read_err)?;
        let file_len = file.metadata().map_err(read_err)?.len();
        let mut head = [0u8; 12];
        file.read_exact(&mut head)
            .map_err(|_| corrupt("shorter than its header"))?;
        if &head[..8] != MAGIC {
            return Err(corrupt("wrong magic bytes"));
        }
        let version = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        if version != FORMAT_VERSION {
            return Err(corrupt(&format!(
                "format version {version}, written by another lockgate; this one reads version {FORMAT_VERSION}"
            )));
        }
        let metadata_bytes = read_section(&mut file, file_len).map_err(|r| corrupt(&r))?;
        let metadata: Metadata =
            serde_json::from_slice(&metadata_bytes).map_err(|e| corrupt(&e.to_string()))?;
        let index_bytes = read_section(&mut file, file_len).map_err(|r| corrupt(&r))?;
        let mut len_bytes = [0u8; 8];
        file.read_exact(&mut len_bytes)
            .map_err(|_| corrupt("match forms section missing"))?;
        let forms_len = u64::from_le_bytes(len_bytes);
        let forms_start = file.stream_position().map_err(read_err)?;
        let forms_end = forms_start
            .checked_add(forms_len)
            .filter(|&end| end <= file_len && forms_len <= MAX_SECTION_BYTES)
            .ok_or_else(|| corrupt("match forms section beyond the file"))?;
        file.seek(SeekFrom::Start(forms_end)).map_err(read_err)?;
        file.read_exact(&mut len_bytes)
            .map_err(|_| corrupt("records section missing"))?;
        let records_len = u64::from_le_bytes(len_bytes);
        let records_start = file.stream_position().map_err(read_err)?;
        if records_start.checked_add(records_len) != Some(file_len) {
            return Err(corrupt("records section length does not match the file"));
        }
        let (records, index) =
            decode_index(&index_bytes, records_len, forms_len).map_err(|r| corrupt(&r))?;
        Ok(Database {
            path: path.to_owned(),
            metadata,
            records,
            index,
            records_start,
            forms_start,
            forms_len,
            forms: OnceLock::new(),
            file: Mutex::new(file),
        })
    }

    /// Imports OSV records from `inputs` (files, directories, `.zip` archives) into the
    /// database at `db_path`, keeping what it already holds (a record with the same ID is
    /// replaced by the newer import). The new database is written beside the old one and
    /// renamed over it: on any error the old database, or its absence, is unchanged.
    pub fn import<P: AsRef<Path>>(db_path: &Path, inputs: &[P]) -> Result<ImportReport, DbError> {
        let labelled: Vec<(&Path, Option<Origin>)> =
            inputs.iter().map(|p| (p.as_ref(), None)).collect();
        Database::import_labelled(db_path, &labelled)
    }

    /// [`Database::import`], with downloaded inputs recorded under their origin.
    pub(crate) fn import_labelled(
        db_path: &Path,
        inputs: &[(&Path, Option<Origin>)],
    ) -> Result<ImportReport, DbError> {
        let mut records: BTreeMap<String, OsvRecord> = BTreeMap::new();
        let mut metadata = Metadata::default();
        if db_path.exists() {
            let existing = Database::open(db_path)?;
            for number in 0..existing.records.len() {
                let record = existing.record(number as u32)?;
                records.insert(record.id.clone(), record);
            }
            metadata.sources = existing.metadata.sources;
        }
        let now = unix_now();
        let mut new_sources = Vec::with_capacity(inputs.len());
        for (input, origin) in inputs {
            let mut source = Source {
                path: input.display().to_string(),
                kind: SourceKind::File,
                records: 0,
                skipped: 0,
                imported_unix: now,
                etag: None,
                last_modified: None,
            };
            import_input(input, &mut source, &mut records)?;
            if let Some(origin) = origin {
                source.path.clone_from(&origin.url);
                source.etag.clone_from(&origin.etag);
                source.last_modified.clone_from(&origin.last_modified);
            }
            new_sources.push(source);
        }
        metadata.sources.extend(new_sources.iter().cloned());
        metadata.written_unix = now;
        metadata.records = records.len() as u64;
        write_atomically(db_path, &metadata, &records)?;
        Ok(ImportReport {
            sources: new_sources,
            total_records: metadata.records,
        })
    }

    /// The file this database was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every import this database has seen, oldest first.
    pub fn sources(&self) -> &[Source] {
        &self.metadata.sources
    }

    /// When the database file was last written.
    pub fn written_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.metadata.written_unix)
    }

    /// How long ago the database was last written (zero if the clock is behind).
    pub fn age(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.written_at())
            .unwrap_or_default()
    }

    /// Number of records held.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Every (ecosystem family, package name) the database holds records for, names as
    /// [`normalize_name`] keeps them; in no particular order.
    pub fn packages(&self) -> impl Iterator<Item = (&str, &str)> {
        self.index
            .keys()
            .map(|(family, name)| (family.as_str(), name.as_str()))
    }

    /// Record numbers for a package (`ecosystem` may carry a release: `Debian:12`).
    pub fn record_numbers(&self, ecosystem: &str, name: &str) -> &[u32] {
        let family = ecosystem_family(ecosystem);
        let key = (family.to_owned(), normalize_name(family, name));
        self.index.get(&key).map_or(&[], Vec::as_slice)
    }

    /// Every record that lists the package in `affected`.
    pub fn records_for(&self, ecosystem: &str, name: &str) -> Result<Vec<OsvRecord>, DbError> {
        self.record_numbers(ecosystem, name)
            .iter()
            .map(|&n| self.record(n))
            .collect()
    }

    /// One record by number.
    pub fn record(&self, number: u32) -> Result<OsvRecord, DbError> {
        let bytes = self.record_bytes(number)?;
        serde_json::from_slice(&bytes).map_err(|e| self.corrupt(&e.to_string()))
    }

    /// The stored JSON of one record.
    pub(crate) fn record_bytes(&self, number: u32) -> Result<Vec<u8>, DbError> {
        let (offset, len) = self
            .records
            .get(number as usize)
            .ok_or_else(|| self.corrupt("record number out of range"))?
            .json;
        self.read_at(self.records_start + offset, len as usize)
    }

    /// The match form of one record (see `compact`).
    pub(crate) fn match_form(&self, number: u32) -> Result<&[u8], DbError> {
        let (offset, len) = self
            .records
            .get(number as usize)
            .ok_or_else(|| self.corrupt("record number out of range"))?
            .form;
        let forms = match self.forms.get() {
            Some(forms) => forms,
            None => {
                let read = self.read_at(self.forms_start, self.forms_len as usize)?;
                // Another thread may have read it meanwhile: either copy is the same.
                let _ = self.forms.set(read);
                self.forms
                    .get()
                    .ok_or_else(|| self.corrupt("match forms unavailable"))?
            }
        };
        // Offsets were checked against the section's length when the index was read.
        let start = offset as usize;
        forms
            .get(start..start + len as usize)
            .ok_or_else(|| self.corrupt("match form beyond its section"))
    }

    fn read_at(&self, position: u64, len: usize) -> Result<Vec<u8>, DbError> {
        let mut buffer = vec![0u8; len];
        let mut file = self
            .file
            .lock()
            .map_err(|_| self.corrupt("a reader panicked"))?;
        file.seek(SeekFrom::Start(position))
            .and_then(|_| file.read_exact(&mut buffer))
            .map_err(|source| DbError::Read {
                path: self.path.display().to_string(),
                source,
            })?;
        Ok(buffer)
    }

    pub(crate) fn corrupt(&self, reason: &str) -> DbError {
        DbError::Corrupt {
            path: self.path.display().to_string(),
            reason: reason.to_owned(),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn read_section(file: &mut File, file_len: u64) -> Result<Vec<u8>, String> {
    let mut len_bytes = [0u8; 8];
    file.read_exact(&mut len_bytes)
        .map_err(|_| "truncated section length".to_owned())?;
    let len = u64::from_le_bytes(len_bytes);
    if len > MAX_SECTION_BYTES || len > file_len {
        return Err("section length beyond the file".to_owned());
    }
    let mut bytes = vec![0u8; len as usize];
    file.read_exact(&mut bytes)
        .map_err(|_| "truncated section".to_owned())?;
    Ok(bytes)
}

type DecodedIndex = (Vec<RecordSpans>, HashMap<(String, String), Vec<u32>>);

/// A bounds-checked reader over the index section.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("truncated index".to_owned());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn text(&mut self) -> Result<String, String> {
        let len = self.u16()? as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "index text is not UTF-8".to_owned())
    }
}

fn decode_index(bytes: &[u8], records_len: u64, forms_len: u64) -> Result<DecodedIndex, String> {
    let mut cursor = Cursor { bytes };
    let count = cursor.u32()? as usize;
    // Each entry takes 24 bytes: a count beyond that is a lie, not an allocation to make.
    if count > bytes.len() / 24 {
        return Err("record count beyond the index".to_owned());
    }
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        let mut span = |section_len: u64, what: &str| -> Result<(u64, u32), String> {
            let offset = cursor.u64()?;
            let len = cursor.u32()?;
            if offset
                .checked_add(u64::from(len))
                .is_none_or(|end| end > section_len)
            {
                return Err(format!("{what} beyond its section"));
            }
            Ok((offset, len))
        };
        let json = span(records_len, "record")?;
        let form = span(forms_len, "match form")?;
        records.push(RecordSpans { json, form });
    }
    let keys = cursor.u32()? as usize;
    let mut index = HashMap::with_capacity(keys.min(bytes.len() / 8));
    for _ in 0..keys {
        let family = cursor.text()?;
        let name = cursor.text()?;
        let n = cursor.u32()? as usize;
        if n > cursor.bytes.len() / 4 {
            return Err("key lists more records than the index holds".to_owned());
        }
        let mut numbers = Vec::with_capacity(n);
        for _ in 0..n {
            let number = cursor.u32()?;
            if number as usize >= records.len() {
                return Err("key refers to a missing record".to_owned());
            }
            numbers.push(number);
        }
        index.insert((family, name), numbers);
    }
    Ok((records, index))
}

/// Writes the database to a temporary file beside `db_path`, then renames it into place.
fn write_atomically(
    db_path: &Path,
    metadata: &Metadata,
    records: &BTreeMap<String, OsvRecord>,
) -> Result<(), DbError> {
    let shown = db_path.display().to_string();
    let write_err = |source| DbError::Write {
        path: shown.clone(),
        source,
    };
    let mut blob = Vec::new();
    let mut forms = Vec::new();
    let mut table = Vec::with_capacity(records.len());
    let mut keys: BTreeMap<(String, String), Vec<u32>> = BTreeMap::new();
    for (number, record) in records.values().enumerate() {
        let offset = blob.len() as u64;
        serde_json::to_writer(&mut blob, record).map_err(|e| write_err(io::Error::other(e)))?;
        let len = u32::try_from(blob.len() as u64 - offset)
            .map_err(|_| write_err(io::Error::other("record over 4 GiB")))?;
        let form_offset = forms.len() as u64;
        compact::encode(record, &mut forms);
        let form_len = u32::try_from(forms.len() as u64 - form_offset)
            .map_err(|_| write_err(io::Error::other("record over 4 GiB")))?;
        table.push(((offset, len), (form_offset, form_len)));
        for affected in &record.affected {
            let family = ecosystem_family(&affected.package.ecosystem);
            let name = normalize_name(family, &affected.package.name);
            if family.len() > usize::from(u16::MAX) || name.len() > usize::from(u16::MAX) {
                continue;
            }
            let list = keys.entry((family.to_owned(), name)).or_default();
            if list.last() != Some(&(number as u32)) {
                list.push(number as u32);
            }
        }
    }
    let mut index = Vec::new();
    index.extend_from_slice(&(table.len() as u32).to_le_bytes());
    for (json, form) in &table {
        for (offset, len) in [json, form] {
            index.extend_from_slice(&offset.to_le_bytes());
            index.extend_from_slice(&len.to_le_bytes());
        }
    }
    index.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    for ((family, name), numbers) in &keys {
        for text in [family, name] {
            index.extend_from_slice(&(text.len() as u16).to_le_bytes());
            index.extend_from_slice(text.as_bytes());
        }
        index.extend_from_slice(&(numbers.len() as u32).to_le_bytes());
        for number in numbers {
            index.extend_from_slice(&number.to_le_bytes());
        }
    }
    let metadata_json = serde_json::to_vec(metadata).map_err(|e| write_err(io::Error::other(e)))?;

    let file_name = db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vulndb".to_owned());
    let temp = db_path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| -> io::Result<()> {
        let mut out = BufWriter::new(File::create(&temp)?);
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT_VERSION.to_le_bytes())?;
        for section in [&metadata_json, &index, &forms, &blob] {
            out.write_all(&(section.len() as u64).to_le_bytes())?;
            out.write_all(section)?;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&temp, db_path)
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&temp);
        return Err(write_err(source));
    }
    Ok(())
}

fn import_input(
    input: &Path,
    source: &mut Source,
    records: &mut BTreeMap<String, OsvRecord>,
) -> Result<(), DbError> {
    let shown = input.display().to_string();
    let meta = fs::metadata(input).map_err(|e| DbError::Read {
        path: shown.clone(),
        source: e,
    })?;
    if meta.is_dir() {
        source.kind = SourceKind::Directory;
        return import_directory(input, 0, source, records);
    }
    match extension(input).as_deref() {
        Some("zip") => {
            source.kind = SourceKind::Zip;
            import_zip(input, source, records)
        }
        Some("json" | "yaml" | "yml") => {
            let bytes = read_bounded_file(input)?;
            let found = parse_document(&shown, &bytes, input)?;
            if found.is_empty() {
                return Err(DbError::NotOsv {
                    path: shown,
                    reason: "no object with an `id` field".to_owned(),
                });
            }
            add_records(found, source, records);
            Ok(())
        }
        _ => Err(DbError::Unsupported { path: shown }),
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

fn add_records(
    found: Vec<OsvRecord>,
    source: &mut Source,
    records: &mut BTreeMap<String, OsvRecord>,
) {
    for record in found {
        source.records += 1;
        records.insert(record.id.clone(), record);
    }
}

fn read_bounded_file(path: &Path) -> Result<Vec<u8>, DbError> {
    let shown = || path.display().to_string();
    let file = File::open(path).map_err(|source| DbError::Read {
        path: shown(),
        source,
    })?;
    read_bounded(file, &shown())
}

/// Reads at most [`MAX_RECORD_FILE_BYTES`]; more is an error, whatever a header claimed.
fn read_bounded(reader: impl Read, shown: &str) -> Result<Vec<u8>, DbError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_RECORD_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| DbError::Read {
            path: shown.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_RECORD_FILE_BYTES {
        return Err(DbError::TooLarge {
            path: shown.to_owned(),
            limit: MAX_RECORD_FILE_BYTES,
        });
    }
    Ok(bytes)
}

fn import_directory(
    dir: &Path,
    depth: usize,
    source: &mut Source,
    records: &mut BTreeMap<String, OsvRecord>,
) -> Result<(), DbError> {
    if depth > MAX_DIRECTORY_DEPTH {
        return Ok(());
    }
    let read_err = |e| DbError::Read {
        path: dir.display().to_string(),
        source: e,
    };
    let mut entries = fs::read_dir(dir)
        .map_err(read_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err)?;
    // Name order: the same input gives the same database, whatever the file system.
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        // Symbolic links are not followed: a link could lead out of the tree or loop.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if kind.is_dir() {
            import_directory(&path, depth + 1, source, records)?;
        } else if kind.is_file() {
            match extension(&path).as_deref() {
                Some("json" | "yaml" | "yml") => {
                    let bytes = read_bounded_file(&path)?;
                    let found = parse_document(&path.display().to_string(), &bytes, &path)?;
                    if found.is_empty() {
                        source.skipped += 1;
                    }
                    add_records(found, source, records);
                }
                Some("zip") => import_zip(&path, source, records)?,
                _ => {}
            }
        }
    }
    Ok(())
}

fn import_zip(
    path: &Path,
    source: &mut Source,
    records: &mut BTreeMap<String, OsvRecord>,
) -> Result<(), DbError> {
    let shown = path.display().to_string();
    let zip_err = |e: zip::result::ZipError| DbError::Zip {
        path: shown.clone(),
        message: e.to_string(),
    };
    let file = File::open(path).map_err(|e| DbError::Read {
        path: shown.clone(),
        source: e,
    })?;
    let mut archive = zip::ZipArchive::new(io::BufReader::new(file)).map_err(zip_err)?;
    if archive.len() > MAX_ARCHIVE_ENTRIES {
        return Err(DbError::TooManyEntries {
            path: shown,
            limit: MAX_ARCHIVE_ENTRIES,
        });
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(zip_err)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_err(zip_err)?.into_owned();
        let entry_path = format!("{shown}!{name}");
        let lower = name.to_ascii_lowercase();
        let is_yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
        if !lower.ends_with(".json") && !is_yaml {
            continue;
        }
        let bytes = read_bounded(entry, &entry_path).map_err(|e| match e {
            // A decompression failure surfaces as a read error: name it as corruption.
            DbError::Read { path, source } => DbError::Zip {
                path,
                message: source.to_string(),
            },
            other => other,
        })?;
        total += bytes.len() as u64;
        if total > MAX_ARCHIVE_BYTES {
            return Err(DbError::TooLarge {
                path: shown,
                limit: MAX_ARCHIVE_BYTES,
            });
        }
        let found = parse_document(&entry_path, &bytes, Path::new(&name))?;
        if found.is_empty() {
            source.skipped += 1;
        }
        add_records(found, source, records);
    }
    Ok(())
}

/// The OSV records in one JSON or YAML document: a record, a list of records, or an
/// osv.dev API response (`{"vulns": [...]}`). A well-formed document that holds none
/// gives an empty list; a malformed one, or a record with fields of the wrong type, is
/// an error.
fn parse_document(shown: &str, bytes: &[u8], name: &Path) -> Result<Vec<OsvRecord>, DbError> {
    let value: serde_json::Value = match extension(name).as_deref() {
        Some("yaml" | "yml") => {
            let text = std::str::from_utf8(bytes).map_err(|_| DbError::Yaml {
                path: shown.to_owned(),
                message: "not UTF-8".to_owned(),
            })?;
            let stream = lockgate_syntax::parse_stream(text, lockgate_syntax::Limits::default());
            if let Some(error) = stream.error {
                return Err(DbError::Yaml {
                    path: shown.to_owned(),
                    message: error.to_string(),
                });
            }
            match stream.documents.as_slice() {
                [] => return Ok(Vec::new()),
                [only] => yaml_to_json(only),
                many => serde_json::Value::Array(many.iter().map(yaml_to_json).collect()),
            }
        }
        _ => serde_json::from_slice(bytes).map_err(|source| DbError::Json {
            path: shown.to_owned(),
            source,
        })?,
    };
    let candidates = match value {
        serde_json::Value::Object(mut object) => match object.remove("vulns") {
            Some(serde_json::Value::Array(items)) if !object.contains_key("id") => items,
            Some(other) => {
                object.insert("vulns".to_owned(), other);
                vec![serde_json::Value::Object(object)]
            }
            None => vec![serde_json::Value::Object(object)],
        },
        serde_json::Value::Array(items) => items,
        _ => Vec::new(),
    };
    let mut found = Vec::new();
    for candidate in candidates {
        let has_id = candidate
            .get("id")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|id| !id.is_empty());
        if !has_id {
            continue;
        }
        let record: OsvRecord = serde_json::from_value(candidate).map_err(|e| DbError::NotOsv {
            path: shown.to_owned(),
            reason: e.to_string(),
        })?;
        found.push(record);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_names() {
        assert_eq!(
            normalize_name("PyPI", "Django_REST.framework"),
            "django-rest-framework"
        );
        assert_eq!(normalize_name("PyPI", "a--_b"), "a-b");
        assert_eq!(
            normalize_name("Go", "github.com/Foo/bar"),
            "github.com/Foo/bar"
        );
    }

    #[test]
    fn families() {
        assert_eq!(ecosystem_family("Debian:12"), "Debian");
        assert_eq!(ecosystem_family("Go"), "Go");
    }
}
