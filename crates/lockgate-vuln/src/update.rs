//! `db update`: downloads OSV's per-ecosystem `all.zip` archives and imports them into
//! the database in one atomic step.
//!
//! For each ecosystem the archive is `{base_url}/{ecosystem}/all.zip` (the layout of the
//! OSV project's public bucket). A download goes to `{download_dir}/{name}.zip.part`,
//! with what the server said about it (URL, `ETag`, `Last-Modified`, MD5, size) in
//! `{name}.zip.part.json`. A download that stops half-way keeps both, and the next update
//! asks for the rest with `Range: bytes=N-` and `If-Range` (the `ETag`, else the
//! `Last-Modified`), so a file that changed in between is fetched whole again rather than
//! stitched to an old prefix; a part without such a validator is never resumed.
//!
//! A finished archive is checked before anything is imported: its size against what the
//! server announced, its MD5 against `x-goog-hash` when the server sends one, and the
//! archive itself (it must open, and every entry must decompress with a valid CRC). Then
//! every new archive is imported in ONE [`Database::import`]: all or nothing, and the
//! previous database stays byte for byte as it was on any failure. The `ETag` and
//! `Last-Modified` of each archive are recorded in the database's sources; the next
//! update sends them as `If-None-Match` / `If-Modified-Since` and skips an archive the
//! server answers `304 Not Modified` for.
//!
//! Every request has timeouts (connection, response, each read, and a whole-download
//! budget), every archive a size limit, and plain HTTP is used only for loopback hosts
//! unless [`UpdateOptions::allow_plain_http`] says otherwise.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};

use crate::db::{Database, DbError, ImportReport, MAX_ARCHIVE_BYTES, MAX_ARCHIVE_ENTRIES, Origin};

/// The OSV project's public bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// Largest archive downloaded by default (OSV's largest, Debian's, is a few hundred MiB).
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 2 << 30;

/// What to download, from where, into where.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Where the `{ecosystem}/all.zip` archives live ([`DEFAULT_BASE_URL`]).
    pub base_url: String,
    /// OSV ecosystem names as the bucket spells them (`PyPI`, `crates.io`, `Go`, ...).
    pub ecosystems: Vec<String>,
    /// Where downloads (and interrupted downloads, until resumed) are kept.
    pub download_dir: PathBuf,
    /// Limit to connect, to receive the response headers, and between two reads.
    pub timeout: Duration,
    /// Limit for a whole request, body included.
    pub download_timeout: Duration,
    /// Largest archive accepted, in bytes.
    pub max_download_bytes: u64,
    /// Allow plain HTTP to hosts other than loopback.
    pub allow_plain_http: bool,
}

impl UpdateOptions {
    /// The defaults: OSV's bucket, 30 s timeouts, 30 minutes per download, 2 GiB.
    pub fn new(ecosystems: Vec<String>, download_dir: PathBuf) -> UpdateOptions {
        UpdateOptions {
            base_url: DEFAULT_BASE_URL.to_owned(),
            ecosystems,
            download_dir,
            timeout: Duration::from_secs(30),
            download_timeout: Duration::from_secs(30 * 60),
            max_download_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
            allow_plain_http: false,
        }
    }
}

/// What happened to one ecosystem's archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveStatus {
    /// Downloaded and imported. `resumed_from` is the offset an interrupted download
    /// went on from (0 when it was fetched whole).
    Downloaded { bytes: u64, resumed_from: u64 },
    /// The server said the archive has not changed since the last update.
    NotModified,
}

/// One ecosystem's archive in an update.
#[derive(Debug, Clone)]
pub struct ArchiveReport {
    pub ecosystem: String,
    pub url: String,
    pub status: ArchiveStatus,
    pub etag: Option<String>,
}

/// What an update did.
#[derive(Debug, Clone)]
pub struct UpdateReport {
    pub archives: Vec<ArchiveReport>,
    /// The import of the downloaded archives; `None` when every archive was unchanged
    /// (the database is then rewritten only to record that it is current).
    pub import: Option<ImportReport>,
    /// Records in the database after the update.
    pub total_records: u64,
}

/// Why an update failed. The database is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("invalid update options: {0}")]
    Usage(String),
    #[error(
        "{url}: {message}; check the network and the base URL, then run `lockgate db update` again"
    )]
    Http { url: String, message: String },
    #[error(
        "{url}: the server answered HTTP {status}; check the base URL and the ecosystem name, or try again later"
    )]
    Status { url: String, status: u16 },
    #[error(
        "{url}: the download stopped after {received} bytes ({message}); run `lockgate db update` again to resume it"
    )]
    Interrupted {
        url: String,
        received: u64,
        message: String,
    },
    #[error(
        "{url}: larger than the limit of {limit} bytes; raise the download limit if this archive is genuine"
    )]
    TooLarge { url: String, limit: u64 },
    #[error(
        "{url}: the archive failed its integrity check ({reason}); it was deleted, run `lockgate db update` again"
    )]
    Integrity { url: String, reason: String },
    #[error("cannot use the download file {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("importing the downloaded archives failed, the database was left as it was: {0}")]
    Import(DbError),
    #[error("{0}")]
    Database(DbError),
}

/// What is known about a download in progress, kept beside its part file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PartState {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    /// Base64 MD5 of the whole archive from `x-goog-hash`.
    md5: Option<String>,
    /// Size of the whole archive, when the server said.
    total: Option<u64>,
}

/// Downloads the archives of `options.ecosystems` and imports them into the database at
/// `db_path` (created if absent). See the module documentation for the guarantees.
pub fn update(db_path: &Path, options: &UpdateOptions) -> Result<UpdateReport, UpdateError> {
    if options.ecosystems.is_empty() {
        return Err(UpdateError::Usage("no ecosystem to update".to_owned()));
    }
    let base = options.base_url.trim_end_matches('/');
    check_scheme(base, options.allow_plain_http)?;
    fs::create_dir_all(&options.download_dir).map_err(|source| UpdateError::Io {
        path: options.download_dir.display().to_string(),
        source,
    })?;
    // What the last update recorded, for conditional requests; only when the database
    // exists and opens (a database that does not cannot be "not modified").
    let previous = if db_path.exists() {
        Some(Database::open(db_path).map_err(UpdateError::Database)?)
    } else {
        None
    };
    let agent = agent(options, base);

    let mut archives = Vec::with_capacity(options.ecosystems.len());
    let mut downloaded: Vec<(PathBuf, Origin)> = Vec::new();
    let result = (|| -> Result<(), UpdateError> {
        for ecosystem in &options.ecosystems {
            if ecosystem.trim().is_empty() {
                return Err(UpdateError::Usage("an empty ecosystem name".to_owned()));
            }
            let url = format!("{base}/{}/all.zip", percent_encode(ecosystem));
            let last = previous.as_ref().and_then(|db| {
                db.sources()
                    .iter()
                    .rev()
                    .find(|s| s.path == url)
                    .map(|s| (s.etag.clone(), s.last_modified.clone()))
            });
            let stem = file_stem(ecosystem);
            let outcome = download(&agent, &url, &stem, last, options)?;
            match outcome {
                Downloaded::NotModified => archives.push(ArchiveReport {
                    ecosystem: ecosystem.clone(),
                    url,
                    status: ArchiveStatus::NotModified,
                    etag: None,
                }),
                Downloaded::Archive {
                    path,
                    state,
                    bytes,
                    resumed_from,
                } => {
                    archives.push(ArchiveReport {
                        ecosystem: ecosystem.clone(),
                        url: url.clone(),
                        status: ArchiveStatus::Downloaded {
                            bytes,
                            resumed_from,
                        },
                        etag: state.etag.clone(),
                    });
                    downloaded.push((
                        path,
                        Origin {
                            url,
                            etag: state.etag,
                            last_modified: state.last_modified,
                        },
                    ));
                }
            }
        }
        Ok(())
    })();
    if let Err(error) = result {
        remove_all(&downloaded);
        return Err(error);
    }
    drop(previous);

    let import = if downloaded.is_empty() {
        if db_path.exists() {
            // Nothing changed upstream: the database is current, and its age says so.
            let no_inputs: [&Path; 0] = [];
            Database::import(db_path, &no_inputs).map_err(UpdateError::Import)?;
        }
        None
    } else {
        let inputs: Vec<(&Path, Option<Origin>)> = downloaded
            .iter()
            .map(|(path, origin)| (path.as_path(), Some(origin.clone())))
            .collect();
        let imported = Database::import_labelled(db_path, &inputs);
        remove_all(&downloaded);
        Some(imported.map_err(UpdateError::Import)?)
    };
    let total_records = match &import {
        Some(report) => report.total_records,
        None if db_path.exists() => Database::open(db_path)
            .map_err(UpdateError::Database)?
            .record_count() as u64,
        None => 0,
    };
    Ok(UpdateReport {
        archives,
        import,
        total_records,
    })
}

enum Downloaded {
    NotModified,
    Archive {
        path: PathBuf,
        state: PartState,
        bytes: u64,
        resumed_from: u64,
    },
}

fn remove_all(downloaded: &[(PathBuf, Origin)]) {
    for (path, _) in downloaded {
        let _ = fs::remove_file(path);
    }
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> UpdateError + '_ {
    move |source| UpdateError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Downloads one archive (resuming a part if there is one), checks it, and leaves it at
/// `{stem}.zip` in the download directory.
fn download(
    agent: &ureq::Agent,
    url: &str,
    stem: &str,
    last: Option<(Option<String>, Option<String>)>,
    options: &UpdateOptions,
) -> Result<Downloaded, UpdateError> {
    let dir = &options.download_dir;
    let part = dir.join(format!("{stem}.zip.part"));
    let state_path = dir.join(format!("{stem}.zip.part.json"));
    let done = dir.join(format!("{stem}.zip"));
    let discard = || {
        let _ = fs::remove_file(&part);
        let _ = fs::remove_file(&state_path);
    };
    // A finished download left by a run that stopped before importing it: fetch again.
    let _ = fs::remove_file(&done);

    // A part is resumed only if it was for this URL and has a validator for If-Range.
    let mut resume: Option<(u64, PartState)> = None;
    if let (Ok(meta), Ok(text)) = (fs::metadata(&part), fs::read(&state_path))
        && let Ok(state) = serde_json::from_slice::<PartState>(&text)
        && state.url == url
        && (state.etag.is_some() || state.last_modified.is_some())
        && meta.len() > 0
    {
        resume = Some((meta.len(), state));
    }
    if resume.is_none() {
        discard();
    }

    let mut request = agent.get(url);
    if let Some((offset, state)) = &resume {
        request = request.header("Range", format!("bytes={offset}-"));
        if let Some(validator) = state.etag.as_ref().or(state.last_modified.as_ref()) {
            request = request.header("If-Range", validator);
        }
    } else if let Some((etag, last_modified)) = &last {
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        if let Some(last_modified) = last_modified {
            request = request.header("If-Modified-Since", last_modified);
        }
    }
    let response = request.call().map_err(|e| UpdateError::Http {
        url: url.to_owned(),
        message: e.to_string(),
    })?;
    let status = response.status().as_u16();
    let header = |name: &str| -> Option<String> {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let md5 = response
        .headers()
        .get_all("x-goog-hash")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|item| item.trim().strip_prefix("md5=").map(str::to_owned));
    let etag = header("etag");
    let last_modified = header("last-modified");
    let content_length = header("content-length").and_then(|v| v.parse::<u64>().ok());

    let (mut state, offset) = match (status, resume) {
        (304, None) if last.is_some() => return Ok(Downloaded::NotModified),
        (206, Some((offset, previous))) => {
            // `bytes START-END/TOTAL`: it must go on exactly where the part stops.
            let range = header("content-range").unwrap_or_default();
            let (start, total) = parse_content_range(&range).ok_or_else(|| {
                discard();
                UpdateError::Integrity {
                    url: url.to_owned(),
                    reason: format!("unusable Content-Range `{range}` for a resumed download"),
                }
            })?;
            if start != offset {
                discard();
                return Err(UpdateError::Integrity {
                    url: url.to_owned(),
                    reason: format!("the server resumed at byte {start}, not {offset}"),
                });
            }
            let state = PartState {
                md5: md5.or(previous.md5),
                total: total.or(previous.total),
                ..previous
            };
            (state, offset)
        }
        (200, _) => {
            let state = PartState {
                url: url.to_owned(),
                etag,
                last_modified,
                md5,
                total: content_length,
            };
            (state, 0)
        }
        (416, Some(_)) => {
            // The part is longer than the file now is: start again next time.
            discard();
            return Err(UpdateError::Status {
                url: url.to_owned(),
                status: 416,
            });
        }
        (status, _) => {
            return Err(UpdateError::Status {
                url: url.to_owned(),
                status,
            });
        }
    };
    if state.total.is_some_and(|t| t > options.max_download_bytes) {
        discard();
        return Err(UpdateError::TooLarge {
            url: url.to_owned(),
            limit: options.max_download_bytes,
        });
    }
    if offset == 0 {
        discard();
    }
    let state_json = serde_json::to_vec(&state).map_err(|e| UpdateError::Io {
        path: state_path.display().to_string(),
        source: io::Error::other(e),
    })?;
    fs::write(&state_path, state_json).map_err(io_err(&state_path))?;
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&part)
        .map_err(io_err(&part))?;

    // The body, bounded by the limit whatever the headers said.
    let mut reader = response.into_body().into_reader();
    let mut received = offset;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = file.sync_all();
                return Err(UpdateError::Interrupted {
                    url: url.to_owned(),
                    received,
                    message: e.to_string(),
                });
            }
        };
        received += n as u64;
        if received > options.max_download_bytes {
            drop(file);
            discard();
            return Err(UpdateError::TooLarge {
                url: url.to_owned(),
                limit: options.max_download_bytes,
            });
        }
        file.write_all(&buffer[..n]).map_err(io_err(&part))?;
    }
    file.sync_all().map_err(io_err(&part))?;
    drop(file);
    if let Some(total) = state.total {
        if received < total {
            return Err(UpdateError::Interrupted {
                url: url.to_owned(),
                received,
                message: format!("the connection closed before all {total} bytes arrived"),
            });
        }
        if received > total {
            discard();
            return Err(UpdateError::Integrity {
                url: url.to_owned(),
                reason: format!("{received} bytes received, {total} announced"),
            });
        }
    }

    if let Err(reason) = verify(&part, state.md5.as_deref()) {
        discard();
        return Err(UpdateError::Integrity {
            url: url.to_owned(),
            reason,
        });
    }
    fs::rename(&part, &done).map_err(|e| {
        discard();
        io_err(&done)(e)
    })?;
    let _ = fs::remove_file(&state_path);
    state.total = Some(received);
    Ok(Downloaded::Archive {
        path: done,
        state,
        bytes: received - offset,
        resumed_from: offset,
    })
}

/// `bytes 100-199/200` → (100, Some(200)); `bytes 100-199/*` → (100, None).
fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let start = start.trim().parse::<u64>().ok()?;
    let end = end.trim().parse::<u64>().ok()?;
    if end < start {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse::<u64>().ok()?),
    };
    if total.is_some_and(|t| end >= t) {
        return None;
    }
    Some((start, total))
}

/// The MD5 (when the server gave one), then the archive: it opens, and every entry
/// decompresses to its end, where the zip reader checks its CRC-32.
fn verify(path: &Path, md5: Option<&str>) -> Result<(), String> {
    if let Some(expected) = md5 {
        let expected = BASE64
            .decode(expected.trim())
            .map_err(|_| format!("the server's MD5 `{expected}` is not base64"))?;
        let mut file = File::open(path).map_err(|e| e.to_string())?;
        let mut hasher = Md5::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buffer).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        if hasher.finalize().as_slice() != expected.as_slice() {
            return Err("MD5 differs from the server's x-goog-hash".to_owned());
        }
    }
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format!("not a readable zip archive: {e}"))?;
    if archive.len() > MAX_ARCHIVE_ENTRIES {
        return Err(format!("more than {MAX_ARCHIVE_ENTRIES} entries"));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| format!("entry {i}: {e}"))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let copied = io::copy(
            &mut (&mut entry).take(MAX_ARCHIVE_BYTES + 1 - total),
            &mut io::sink(),
        )
        .map_err(|e| format!("entry `{name}`: {e}"))?;
        total += copied;
        if total > MAX_ARCHIVE_BYTES {
            return Err(format!(
                "more than {MAX_ARCHIVE_BYTES} bytes when decompressed"
            ));
        }
    }
    Ok(())
}

/// Plain HTTP only to loopback, unless allowed.
fn check_scheme(base: &str, allow_plain_http: bool) -> Result<(), UpdateError> {
    let Some((scheme, rest)) = base.split_once("://") else {
        return Err(UpdateError::Usage(format!(
            "the base URL `{base}` has no scheme (expected https://...)"
        )));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if allow_plain_http || is_loopback(host_of(rest)) => Ok(()),
        "http" => Err(UpdateError::Usage(format!(
            "the base URL `{base}` is plain HTTP to another machine: use https://, or allow plain HTTP explicitly"
        ))),
        _ => Err(UpdateError::Usage(format!(
            "the base URL `{base}` is neither https:// nor http://"
        ))),
    }
}

/// The host of `host[:port]/path` (IPv6 in brackets kept without them).
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(inner) = authority.strip_prefix('[') {
        return inner.split(']').next().unwrap_or(inner);
    }
    authority.split(':').next().unwrap_or(authority)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn agent(options: &UpdateOptions, base: &str) -> ureq::Agent {
    let plain = base.to_ascii_lowercase().starts_with("http://");
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .https_only(!plain)
        .max_redirects(if plain { 0 } else { 5 })
        .timeout_global(Some(options.download_timeout))
        .timeout_connect(Some(options.timeout))
        .timeout_recv_response(Some(options.timeout))
        .timeout_per_read(Some(options.timeout))
        .user_agent(concat!("lockgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`GitHub Actions` →
/// `GitHub%20Actions`, `Ubuntu:22.04` → `Ubuntu%3A22.04`).
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A file name for an ecosystem's download: safe characters kept, others `_`, plus a
/// short hash of the whole name so two names never share a file.
fn file_stem(ecosystem: &str) -> String {
    let safe: String = ecosystem
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = Md5::digest(ecosystem.as_bytes());
    let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("osv-{safe}-{short}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ecosystem_names() {
        assert_eq!(percent_encode("PyPI"), "PyPI");
        assert_eq!(percent_encode("crates.io"), "crates.io");
        assert_eq!(percent_encode("GitHub Actions"), "GitHub%20Actions");
        assert_eq!(percent_encode("Ubuntu:22.04:LTS"), "Ubuntu%3A22.04%3ALTS");
        assert_eq!(percent_encode("a/b"), "a%2Fb");
    }

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 10-19/20"), Some((10, Some(20))));
        assert_eq!(parse_content_range("bytes 10-19/*"), Some((10, None)));
        assert_eq!(parse_content_range("bytes 10-19/15"), None);
        assert_eq!(parse_content_range("bytes 19-10/30"), None);
        assert_eq!(parse_content_range("items 1-2/3"), None);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_scheme("http://127.0.0.1:8080/osv", false).is_ok());
        assert!(check_scheme("http://localhost/osv", false).is_ok());
        assert!(check_scheme("http://[::1]:9/osv", false).is_ok());
        assert!(check_scheme("http://mirror.example/osv", false).is_err());
        assert!(check_scheme("http://127.0.0.1.example/osv", false).is_err());
        assert!(check_scheme("http://mirror.example/osv", true).is_ok());
        assert!(check_scheme("https://mirror.example/osv", false).is_ok());
        assert!(check_scheme("ftp://mirror.example/osv", true).is_err());
        assert!(check_scheme("mirror.example/osv", false).is_err());
    }

    #[test]
    fn distinct_file_stems() {
        assert_ne!(file_stem("a b"), file_stem("a:b"));
        assert!(file_stem("../../etc").starts_with("osv-______etc-"));
    }
}
