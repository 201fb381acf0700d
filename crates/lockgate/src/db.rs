//! `lockgate db`: the offline vulnerability database. Import OSV advisories from files,
//! directories and OSV's `all.zip` archives, and show what the database holds and how
//! old it is. The database is one file in the user's cache; imports replace it
//! atomically, so a failed import leaves the previous one as it was.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Context;
use lockgate_vuln::{ArchiveStatus, Database, SourceKind, UpdateOptions};

use crate::cli::DbCommand;

/// The OSV ecosystems of the packages lockgate catalogs.
const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "crates.io",
    "npm",
    "PyPI",
    "Go",
    "Maven",
    "RubyGems",
    "NuGet",
    "Packagist",
    "Debian",
    "Alpine",
];

/// `osv.db` in lockgate's cache directory (`$LOCKGATE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/lockgate`, else `~/.cache/lockgate`), beside the image cache.
pub fn default_db_path() -> PathBuf {
    lockgate_image::cache_home().join("osv.db")
}

pub fn run(command: &DbCommand) -> anyhow::Result<ExitCode> {
    match command {
        DbCommand::Import(args) => {
            let db = args.db.clone().unwrap_or_else(default_db_path);
            if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            for path in &args.paths {
                if !path.exists() {
                    anyhow::bail!("{} does not exist", path.display());
                }
            }
            let started = std::time::Instant::now();
            let report = Database::import(&db, &args.paths).with_context(|| {
                format!(
                    "the import into {} failed; the database is unchanged",
                    db.display()
                )
            })?;
            for source in &report.sources {
                eprintln!(
                    "  {} ({}): {} record(s){}",
                    source.path,
                    kind_name(source.kind),
                    source.records,
                    if source.skipped > 0 {
                        format!(", {} skipped (not OSV records)", source.skipped)
                    } else {
                        String::new()
                    }
                );
            }
            eprintln!(
                "lockgate: {} now holds {} advisories (imported in {:.1} s)",
                db.display(),
                report.total_records,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Update(args) => {
            let db = args.db.clone().unwrap_or_else(default_db_path);
            let downloads = db
                .parent()
                .map_or_else(|| PathBuf::from("."), PathBuf::from)
                .join("osv-downloads");
            std::fs::create_dir_all(&downloads)
                .with_context(|| format!("cannot create {}", downloads.display()))?;
            let ecosystems = if args.ecosystems.is_empty() {
                DEFAULT_ECOSYSTEMS.iter().map(|e| e.to_string()).collect()
            } else {
                args.ecosystems.clone()
            };
            let mut options = UpdateOptions::new(ecosystems, downloads);
            if let Some(base) = &args.base_url {
                options.base_url = base.trim_end_matches('/').to_string();
            }
            options.allow_plain_http = args.allow_plain_http;
            let report = lockgate_vuln::update(&db, &options).with_context(|| {
                format!(
                    "the update of {} failed; the database is unchanged",
                    db.display()
                )
            })?;
            for archive in &report.archives {
                let status = match archive.status {
                    ArchiveStatus::Downloaded {
                        bytes,
                        resumed_from: 0,
                    } => {
                        format!("downloaded {:.1} MB", bytes as f64 / 1e6)
                    }
                    ArchiveStatus::Downloaded {
                        bytes,
                        resumed_from,
                    } => format!(
                        "downloaded {:.1} MB (resumed at {:.1} MB)",
                        bytes as f64 / 1e6,
                        resumed_from as f64 / 1e6
                    ),
                    ArchiveStatus::NotModified => "unchanged".to_string(),
                };
                eprintln!("  {}: {status}", archive.ecosystem);
            }
            eprintln!(
                "lockgate: {} now holds {} advisories",
                db.display(),
                report.total_records
            );
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Info(args) => {
            let db = args.db.clone().unwrap_or_else(default_db_path);
            if !db.exists() {
                anyhow::bail!(
                    "no vulnerability database at {}: create one with `lockgate db import PATH...`",
                    db.display()
                );
            }
            let database = Database::open(&db)
                .with_context(|| format!("cannot open the database {}", db.display()))?;
            let written = database
                .written_at()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            if args.format == "json" {
                let sources: Vec<serde_json::Value> = database
                    .sources()
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "path": s.path, "kind": kind_name(s.kind), "records": s.records,
                            "skipped": s.skipped, "imported_unix": s.imported_unix,
                        })
                    })
                    .collect();
                let info = serde_json::json!({
                    "path": db.display().to_string(),
                    "records": database.record_count(),
                    "written_unix": written,
                    "age_seconds": database.age().as_secs(),
                    "sources": sources,
                });
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                println!("{}", db.display());
                println!(
                    "  {} advisories, written {} ago",
                    database.record_count(),
                    human_age(database.age())
                );
                for source in database.sources() {
                    println!(
                        "  source: {} ({}, {} records)",
                        source.path,
                        kind_name(source.kind),
                        source.records
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn kind_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::File => "file",
        SourceKind::Directory => "directory",
        SourceKind::Zip => "zip archive",
    }
}

/// `3 days`, `5 hours`, `12 minutes`, `40 seconds`.
fn human_age(age: Duration) -> String {
    let seconds = age.as_secs();
    let (value, unit) = match seconds {
        0..=119 => (seconds, "second"),
        120..=7199 => (seconds / 60, "minute"),
        7200..=172_799 => (seconds / 3600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{value} {unit}{}", if value == 1 { "" } else { "s" })
}
