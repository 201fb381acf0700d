//! Parse-only baseline for `bench/run.sh`.
//!
//! Walks the given directories the way lockgate's scan does (the `ignore` walker, sorted,
//! manifests picked by extension), then reads and parses every `.yaml`/`.yml`/`.json`
//! file in parallel with rayon over files — the same parallelism lockgate uses — and
//! prints what it saw. No rules, no report: this is the floor lockgate's scan time is
//! compared with.
//!
//! Modes:
//! - `tree` (default): `lockgate_syntax::parse_stream(text, Limits::default())`, the
//!   spanned tree lockgate builds before any rule runs.
//! - `events`: only `saphyr_parser::Parser` events, no tree (the raw YAML crate).
//! - `read`: only walk and read the files (I/O and UTF-8 check), no parsing.
//!
//! Usage: `lockgate-parse-baseline [--mode tree|events|read] PATH...`

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use lockgate_syntax::{Limits, parse_stream};
use rayon::prelude::*;
use saphyr_parser::{Event, Parser};

const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Tree,
    Events,
    Read,
}

fn walk(root: &Path, files: &mut Vec<PathBuf>) {
    if root.is_file() {
        files.push(root.to_path_buf());
        return;
    }
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .follow_links(false)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b));
    for entry in builder.build().flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let is_manifest = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if is_manifest {
            files.push(path.to_path_buf());
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    bytes: usize,
    documents: usize,
    events: usize,
    errors: usize,
}

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, o: Counts) -> Counts {
        Counts {
            bytes: self.bytes + o.bytes,
            documents: self.documents + o.documents,
            events: self.events + o.events,
            errors: self.errors + o.errors,
        }
    }
}

fn process(path: &Path, mode: Mode, unreadable: &AtomicUsize) -> Counts {
    let Ok(bytes) = std::fs::read(path) else {
        unreadable.fetch_add(1, Ordering::Relaxed);
        return Counts::default();
    };
    let Ok(text) = String::from_utf8(bytes) else {
        unreadable.fetch_add(1, Ordering::Relaxed);
        return Counts::default();
    };
    let mut counts = Counts {
        bytes: text.len(),
        ..Counts::default()
    };
    match mode {
        Mode::Read => {}
        Mode::Tree => {
            let stream = parse_stream(&text, Limits::default());
            counts.documents = stream.documents.len();
            counts.errors = usize::from(stream.error.is_some());
        }
        Mode::Events => {
            for event in Parser::new_from_str(&text) {
                match event {
                    Ok((event, _span)) => {
                        counts.events += 1;
                        if matches!(event, Event::DocumentStart(_)) {
                            counts.documents += 1;
                        }
                    }
                    Err(_) => {
                        counts.errors += 1;
                        break;
                    }
                }
            }
        }
    }
    counts
}

fn main() -> ExitCode {
    let mut mode = Mode::Tree;
    let mut roots = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mode" => match args.next().as_deref() {
                Some("tree") => mode = Mode::Tree,
                Some("events") => mode = Mode::Events,
                Some("read") => mode = Mode::Read,
                other => {
                    eprintln!("--mode takes tree, events or read, not {other:?}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: lockgate-parse-baseline [--mode tree|events|read] PATH...");
                return ExitCode::SUCCESS;
            }
            _ => roots.push(PathBuf::from(arg)),
        }
    }
    if roots.is_empty() {
        eprintln!("usage: lockgate-parse-baseline [--mode tree|events|read] PATH...");
        return ExitCode::from(2);
    }

    let started = Instant::now();
    let mut files = Vec::new();
    for root in &roots {
        walk(root, &mut files);
    }
    let walked = started.elapsed();
    let unreadable = AtomicUsize::new(0);
    let counts = files
        .par_iter()
        .map(|path| process(path, mode, &unreadable))
        .reduce(Counts::default, |a, b| a + b);
    let total = started.elapsed();
    let mode_name = match mode {
        Mode::Tree => "tree",
        Mode::Events => "events",
        Mode::Read => "read",
    };
    println!(
        "mode={mode_name} files={} bytes={} documents={} events={} parse_errors={} unreadable={} walk_ms={:.1} total_ms={:.1} threads={}",
        files.len(),
        counts.bytes,
        counts.documents,
        counts.events,
        counts.errors,
        unreadable.load(Ordering::Relaxed),
        walked.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        rayon::current_num_threads(),
    );
    ExitCode::SUCCESS
}
