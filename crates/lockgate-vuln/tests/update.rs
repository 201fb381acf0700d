//! `db update` against a local HTTP server started by each test: zips built at test time
//! from real advisories in `../shared/vulndata` (RustSec's OSV export and the Go
//! vulnerability database), served with `ETag`, `x-goog-hash`, `Range` / `If-Range` and
//! `If-None-Match` handled as the OSV bucket does, plus the failures a real network has:
//! a connection that closes mid-body, a corrupt archive, a server error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness: a failure should panic

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use lockgate_vuln::{ArchiveStatus, Database, UpdateError, UpdateOptions, update};
use md5::{Digest as _, Md5};

const VULNDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vulndata");
const PER_ARCHIVE: usize = 300;

/// What the server serves at one path.
#[derive(Clone)]
struct Served {
    body: Vec<u8>,
    etag: String,
    /// Send `x-goog-hash: md5=...` with this (base64) value.
    md5: Option<String>,
    /// Answer every request with this status instead.
    status: Option<u16>,
    /// Next full or partial response: send this many body bytes, then close.
    cut_once: Option<usize>,
}

impl Served {
    fn new(body: Vec<u8>, etag: &str) -> Served {
        let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&body));
        Served {
            body,
            etag: format!("\"{etag}\""),
            md5: Some(md5),
            status: None,
            cut_once: None,
        }
    }
}

/// One request as the server saw it: path and lower-cased headers.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    headers: HashMap<String, String>,
}

#[derive(Clone)]
struct Server {
    base: String,
    routes: Arc<Mutex<HashMap<String, Served>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/osv", listener.local_addr().unwrap());
        let server = Server {
            base,
            routes: Arc::default(),
            seen: Arc::default(),
        };
        let handler = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let _ = handler.handle(stream);
            }
        });
        server
    }

    fn serve(&self, path: &str, served: Served) {
        self.routes.lock().unwrap().insert(path.to_owned(), served);
    }

    fn edit(&self, path: &str, f: impl FnOnce(&mut Served)) {
        f(self.routes.lock().unwrap().get_mut(path).unwrap());
    }

    fn seen(&self, path: &str) -> Vec<Seen> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|s| s.path == path).cloned().collect()
    }

    fn handle(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let path = line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        self.seen.lock().unwrap().push(Seen {
            path: path.clone(),
            headers: headers.clone(),
        });
        let mut out = stream;
        let served = {
            let mut routes = self.routes.lock().unwrap();
            match routes.get_mut(&path) {
                None => None,
                Some(s) => {
                    let copy = s.clone();
                    s.cut_once = None;
                    Some(copy)
                }
            }
        };
        let Some(served) = served else {
            return respond(&mut out, "404 Not Found", &[], b"not found", None);
        };
        if let Some(status) = served.status {
            return respond(&mut out, &format!("{status} Oops"), &[], b"oops", None);
        }
        let mut extra = vec![("ETag", served.etag.clone())];
        if let Some(md5) = &served.md5 {
            extra.push(("x-goog-hash", format!("crc32c=AAAAAA==, md5={md5}")));
        }
        if headers.get("if-none-match") == Some(&served.etag) {
            return respond(&mut out, "304 Not Modified", &extra, b"", None);
        }
        let range_start = headers
            .get("range")
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|n| n.parse::<usize>().ok());
        let if_range_ok = headers.get("if-range").is_none_or(|v| *v == served.etag);
        let len = served.body.len();
        match range_start {
            Some(start) if if_range_ok && start < len => {
                extra.push(("Content-Range", format!("bytes {start}-{}/{len}", len - 1)));
                respond(
                    &mut out,
                    "206 Partial Content",
                    &extra,
                    &served.body[start..],
                    served.cut_once,
                )
            }
            _ => respond(&mut out, "200 OK", &extra, &served.body, served.cut_once),
        }
    }
}

fn respond(
    out: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
    cut: Option<usize>,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if status.starts_with("304") {
        head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    match cut {
        Some(n) => out.write_all(&body[..n.min(body.len())])?,
        None => out.write_all(body)?,
    }
    out.flush()?;
    out.shutdown(std::net::Shutdown::Both)
}

/// A zip of the first `PER_ARCHIVE` `.json` files of `dir`, in name order, deflated.
fn build_zip(dir: &str, skip: usize) -> Vec<u8> {
    let mut files: Vec<PathBuf> = fs::read_dir(Path::new(VULNDATA).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for path in files.iter().skip(skip).take(PER_ARCHIVE) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        writer.start_file(name, options).unwrap();
        writer.write_all(&fs::read(path).unwrap()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

struct Fixture {
    server: Server,
    root: PathBuf,
    db: PathBuf,
    downloads: PathBuf,
    crates_zip: Vec<u8>,
    go_zip: Vec<u8>,
}

const CRATES: &str = "/osv/crates.io/all.zip";
const GO: &str = "/osv/Go/all.zip";

impl Fixture {
    fn new(name: &str) -> Fixture {
        let root =
            std::env::temp_dir().join(format!("lockgate-update-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("db")).unwrap();
        let server = Server::start();
        let crates_zip = build_zip("rustsec-advisory-db-osv/crates", 0);
        let go_zip = build_zip("golang-vulndb/data/osv", 0);
        server.serve(CRATES, Served::new(crates_zip.clone(), "crates-1"));
        server.serve(GO, Served::new(go_zip.clone(), "go-1"));
        Fixture {
            server,
            db: root.join("db").join("vuln.db"),
            downloads: root.join("downloads"),
            root,
            crates_zip,
            go_zip,
        }
    }

    fn options(&self) -> UpdateOptions {
        let mut options = UpdateOptions::new(
            vec!["crates.io".to_owned(), "Go".to_owned()],
            self.downloads.clone(),
        );
        options.base_url = self.server.base.clone();
        options.timeout = Duration::from_secs(10);
        options.download_timeout = Duration::from_secs(60);
        options
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base, path.trim_start_matches("/osv"))
    }

    /// Record IDs of a direct `Database::import` of these zips: what the update must give.
    fn expected_ids(&self, zips: &[&[u8]]) -> Vec<String> {
        let dir = self.root.join("expected");
        fs::create_dir_all(&dir).unwrap();
        let mut inputs = Vec::new();
        for (i, bytes) in zips.iter().enumerate() {
            let path = dir.join(format!("{i}.zip"));
            fs::write(&path, bytes).unwrap();
            inputs.push(path);
        }
        let db = dir.join("expected.db");
        let _ = fs::remove_file(&db);
        Database::import(&db, &inputs).unwrap();
        ids(&db)
    }

    fn download_dir_files(&self) -> Vec<String> {
        match fs::read_dir(&self.downloads) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    fn db_dir_files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.root.join("db"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn ids(db: &Path) -> Vec<String> {
    let db = Database::open(db).unwrap();
    let mut ids: Vec<String> = (0..db.record_count() as u32)
        .map(|n| db.record(n).unwrap().id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn good_update_imports_every_archive_and_records_its_source() {
    let f = Fixture::new("good");
    let report = update(&f.db, &f.options()).unwrap();

    assert_eq!(report.archives.len(), 2);
    for archive in &report.archives {
        assert!(
            matches!(
                archive.status,
                ArchiveStatus::Downloaded {
                    resumed_from: 0,
                    ..
                }
            ),
            "{archive:?}"
        );
    }
    let expected = f.expected_ids(&[&f.crates_zip, &f.go_zip]);
    assert!(expected.len() >= 2 * PER_ARCHIVE - 10, "{}", expected.len());
    assert!(expected.iter().any(|id| id.starts_with("RUSTSEC-")));
    assert!(expected.iter().any(|id| id.starts_with("GO-")));
    assert_eq!(ids(&f.db), expected);
    assert_eq!(report.total_records, expected.len() as u64);

    let db = Database::open(&f.db).unwrap();
    let sources = db.sources();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[0].path, f.url(CRATES));
    assert_eq!(sources[0].etag.as_deref(), Some("\"crates-1\""));
    assert_eq!(sources[1].path, f.url(GO));
    assert_eq!(sources[1].etag.as_deref(), Some("\"go-1\""));
    assert!(sources.iter().all(|s| s.records > 0 && s.imported_unix > 0));
    assert!(db.packages().any(|(family, _)| family == "crates.io"));
    assert!(db.packages().any(|(family, _)| family == "Go"));

    // Downloads are cleaned up; nothing but the database beside it.
    assert!(
        f.download_dir_files().is_empty(),
        "{:?}",
        f.download_dir_files()
    );
    assert_eq!(f.db_dir_files(), vec!["vuln.db".to_owned()]);
    // A fresh update sends no conditional headers.
    assert!(
        !f.server.seen(CRATES)[0]
            .headers
            .contains_key("if-none-match")
    );
}

#[test]
fn second_update_is_not_modified() {
    let f = Fixture::new("notmodified");
    update(&f.db, &f.options()).unwrap();
    let before = ids(&f.db);

    let report = update(&f.db, &f.options()).unwrap();
    assert!(
        report
            .archives
            .iter()
            .all(|a| a.status == ArchiveStatus::NotModified),
        "{:?}",
        report.archives
    );
    assert!(report.import.is_none());
    assert_eq!(report.total_records, before.len() as u64);
    assert_eq!(ids(&f.db), before);
    let second = &f.server.seen(CRATES)[1];
    assert_eq!(
        second.headers.get("if-none-match").map(String::as_str),
        Some("\"crates-1\"")
    );
    assert!(!second.headers.contains_key("range"));

    // Upstream changes one archive: only that one is fetched again.
    let newer = build_zip("rustsec-advisory-db-osv/crates", PER_ARCHIVE);
    f.server
        .serve(CRATES, Served::new(newer.clone(), "crates-2"));
    let report = update(&f.db, &f.options()).unwrap();
    assert!(matches!(
        report.archives[0].status,
        ArchiveStatus::Downloaded { .. }
    ));
    assert_eq!(report.archives[1].status, ArchiveStatus::NotModified);
    assert_eq!(
        ids(&f.db),
        f.expected_ids(&[&f.crates_zip, &f.go_zip, &newer])
    );
}

#[test]
fn interrupted_download_resumes_with_a_range_request() {
    let f = Fixture::new("resume");
    let cut = f.crates_zip.len() / 2;
    f.server.edit(CRATES, |s| s.cut_once = Some(cut));

    let error = update(&f.db, &f.options()).unwrap_err();
    assert!(
        matches!(&error, UpdateError::Interrupted { url, received, .. } if *url == f.url(CRATES) && *received == cut as u64),
        "{error:?}"
    );
    assert!(error.to_string().contains("again to resume"), "{error}");
    // No database was written, and the part is kept for the next run.
    assert!(!f.db.exists());
    assert!(
        f.download_dir_files()
            .iter()
            .any(|n| n.ends_with(".zip.part")),
        "{:?}",
        f.download_dir_files()
    );

    let report = update(&f.db, &f.options()).unwrap();
    assert_eq!(
        report.archives[0].status,
        ArchiveStatus::Downloaded {
            bytes: (f.crates_zip.len() - cut) as u64,
            resumed_from: cut as u64
        }
    );
    let resumed = f.server.seen(CRATES).last().cloned().unwrap();
    let range = format!("bytes={cut}-");
    assert_eq!(
        resumed.headers.get("range").map(String::as_str),
        Some(range.as_str())
    );
    assert_eq!(
        resumed.headers.get("if-range").map(String::as_str),
        Some("\"crates-1\"")
    );
    assert_eq!(ids(&f.db), f.expected_ids(&[&f.crates_zip, &f.go_zip]));
    assert!(f.download_dir_files().is_empty());
}

#[test]
fn a_changed_file_is_not_stitched_to_an_old_prefix() {
    let f = Fixture::new("ifrange");
    let cut = f.crates_zip.len() / 3;
    f.server.edit(CRATES, |s| s.cut_once = Some(cut));
    update(&f.db, &f.options()).unwrap_err();

    // Meanwhile upstream publishes a new archive: If-Range no longer matches, the server
    // sends the whole new file, and the update starts from zero.
    let newer = build_zip("rustsec-advisory-db-osv/crates", PER_ARCHIVE);
    f.server
        .serve(CRATES, Served::new(newer.clone(), "crates-2"));
    let report = update(&f.db, &f.options()).unwrap();
    assert_eq!(
        report.archives[0].status,
        ArchiveStatus::Downloaded {
            bytes: newer.len() as u64,
            resumed_from: 0
        }
    );
    assert!(
        f.server
            .seen(CRATES)
            .last()
            .unwrap()
            .headers
            .contains_key("range")
    );
    assert_eq!(ids(&f.db), f.expected_ids(&[&newer, &f.go_zip]));
}

#[test]
fn corrupt_archive_leaves_the_database_untouched() {
    let f = Fixture::new("corrupt");
    update(&f.db, &f.options()).unwrap();
    let before = fs::read(&f.db).unwrap();

    // Flipped bytes in the middle of the archive, and no MD5 to catch them: the zip's
    // own CRCs (or its deflate stream) must.
    let mut corrupt = build_zip("rustsec-advisory-db-osv/crates", PER_ARCHIVE);
    let middle = corrupt.len() / 2;
    for byte in &mut corrupt[middle..middle + 16] {
        *byte ^= 0x5a;
    }
    let mut served = Served::new(corrupt, "crates-2");
    served.md5 = None;
    f.server.serve(CRATES, served);
    let error = update(&f.db, &f.options()).unwrap_err();
    assert!(
        matches!(&error, UpdateError::Integrity { url, .. } if *url == f.url(CRATES)),
        "{error:?}"
    );
    assert_eq!(fs::read(&f.db).unwrap(), before);
    assert!(
        f.download_dir_files().is_empty(),
        "{:?}",
        f.download_dir_files()
    );
    assert_eq!(f.db_dir_files(), vec!["vuln.db".to_owned()]);

    // A good archive whose MD5 does not match the server's x-goog-hash: refused too.
    let mut served = Served::new(f.go_zip.clone(), "go-2");
    served.md5 = Some(base64::engine::general_purpose::STANDARD.encode([0u8; 16]));
    f.server
        .serve(CRATES, Served::new(f.crates_zip.clone(), "crates-1"));
    f.server.serve(GO, served);
    let error = update(&f.db, &f.options()).unwrap_err();
    assert!(
        matches!(&error, UpdateError::Integrity { url, reason } if *url == f.url(GO) && reason.contains("MD5")),
        "{error:?}"
    );
    assert_eq!(fs::read(&f.db).unwrap(), before);
    assert!(
        f.download_dir_files().is_empty(),
        "{:?}",
        f.download_dir_files()
    );
    assert_eq!(f.db_dir_files(), vec!["vuln.db".to_owned()]);
}

#[test]
fn server_error_names_the_url_and_changes_nothing() {
    let f = Fixture::new("500");
    update(&f.db, &f.options()).unwrap();
    let before = fs::read(&f.db).unwrap();

    // A new crates archive downloads fine, then Go fails: nothing is imported.
    let newer = build_zip("rustsec-advisory-db-osv/crates", PER_ARCHIVE);
    f.server.serve(CRATES, Served::new(newer, "crates-2"));
    f.server.edit(GO, |s| s.status = Some(500));
    let error = update(&f.db, &f.options()).unwrap_err();
    assert!(
        matches!(&error, UpdateError::Status { url, status: 500 } if *url == f.url(GO)),
        "{error:?}"
    );
    assert!(error.to_string().contains(&f.url(GO)), "{error}");
    assert_eq!(fs::read(&f.db).unwrap(), before);
    assert!(
        f.download_dir_files().is_empty(),
        "{:?}",
        f.download_dir_files()
    );
}

#[test]
fn archives_over_the_limit_are_refused() {
    let f = Fixture::new("limit");
    let mut options = f.options();
    options.max_download_bytes = 1024;
    let error = update(&f.db, &options).unwrap_err();
    assert!(
        matches!(&error, UpdateError::TooLarge { url, limit: 1024 } if *url == f.url(CRATES)),
        "{error:?}"
    );
    assert!(!f.db.exists());
    assert!(f.download_dir_files().is_empty());
}

#[test]
fn plain_http_off_this_machine_is_refused() {
    let f = Fixture::new("plain");
    let mut options = f.options();
    options.base_url = "http://osv-mirror.example/osv".to_owned();
    let error = update(&f.db, &options).unwrap_err();
    assert!(matches!(error, UpdateError::Usage(_)), "{error:?}");
}

#[test]
fn an_unreadable_database_is_reported_and_left_alone() {
    let f = Fixture::new("baddb");
    fs::write(&f.db, b"not a database").unwrap();
    let error = update(&f.db, &f.options()).unwrap_err();
    assert!(matches!(error, UpdateError::Database(_)), "{error:?}");
    assert!(error.to_string().contains("delete it"), "{error}");
    assert_eq!(fs::read(&f.db).unwrap(), b"not a database");
    assert!(f.server.seen(CRATES).is_empty());
}
