//! Times the whole secret scan of a tree on one thread, without the engine: loads every
//! text file under a directory into memory (files with a NUL in their first 8 KiB are
//! skipped, as the engine skips them), then scans them all with the built-in catalog and
//! prints the processor time of the first round (cold: the expressions compile and their
//! lazy automata fill) and the best later one, the hits, and the peak memory.
//!
//! `cargo run --release -p lockgate-secrets --example scan_pass -- bench/work/secrets-tree [--rounds N]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use lockgate_secrets::{ScanSettings, Scanner, builtin_catalog};

fn main() {
    let mut root = None;
    let mut rounds = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(3),
            _ => root = Some(arg),
        }
    }
    let root = root.unwrap_or_else(|| "bench/work/secrets-tree".to_string());
    let mut texts = support::load_tree(Path::new(&root));
    texts.retain(|(_, text)| !text[..text.len().min(8192)].contains(&0));
    let bytes: usize = texts.iter().map(|(_, text)| text.len()).sum();
    let loaded_kb = support::peak_rss_kb();

    let scanner = Scanner::new(&[builtin_catalog().unwrap()], &ScanSettings::default()).unwrap();
    let mut times = Vec::new();
    let mut hits = 0;
    for _ in 0..rounds.max(1) {
        let started = support::thread_cpu_seconds().expect("/proc/thread-self/schedstat");
        hits = 0;
        for (path, text) in &texts {
            hits += scanner.scan(Some(path), text).len();
        }
        times.push(support::thread_cpu_seconds().expect("/proc/thread-self/schedstat") - started);
    }
    let best_warm = times[1..].iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "{} files, {:.1} MB, {hits} hits: first round {:.3} s, best later {:.3} s; \
         peak memory {} KB ({} KB after loading)",
        texts.len(),
        bytes as f64 / 1e6,
        times[0],
        best_warm,
        support::peak_rss_kb(),
        loaded_kb,
    );
}
