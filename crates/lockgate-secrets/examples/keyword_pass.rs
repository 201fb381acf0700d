//! Times the scanner's first pass, the keyword search, on its own: loads every file under
//! a directory into memory, then searches them all with the built-in catalog's keywords
//! on one thread and prints the best of several rounds in MB/s.
//!
//! `cargo run --release -p lockgate-secrets --example keyword_pass -- bench/work/secrets-tree [--scalar] [--rounds N]`
//!
//! `--scalar` times the portable search even where the processor has AVX2. Both print the
//! number of occurrences and a checksum over them in order, which must agree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Instant;

use lockgate_secrets::{ScanSettings, Scanner, builtin_catalog};

fn main() {
    let mut root = None;
    let mut scalar = false;
    let mut rounds = 5;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--scalar" => scalar = true,
            "--rounds" => rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            _ => root = Some(arg),
        }
    }
    let root = root.unwrap_or_else(|| "bench/work/secrets-tree".to_string());
    let texts = support::load_tree(Path::new(&root));
    let bytes: usize = texts.iter().map(|(_, text)| text.len()).sum();

    let scanner = Scanner::new(&[builtin_catalog().unwrap()], &ScanSettings::default()).unwrap();
    let keywords = scanner.keyword_set();
    let mut best = f64::INFINITY;
    let (mut found, mut checksum) = (0usize, 0u64);
    for _ in 0..rounds {
        (found, checksum) = (0, 0);
        let started = Instant::now();
        let cpu_started = support::thread_cpu_seconds();
        for (_, text) in &texts {
            let mut on_hit = |start: usize, keyword: usize| {
                found += 1;
                checksum = checksum
                    .wrapping_mul(31)
                    .wrapping_add((start * 1000 + keyword) as u64);
            };
            if scalar {
                keywords.find_scalar(text, &mut on_hit);
            } else {
                keywords.find(text, &mut on_hit);
            }
        }
        // Time on the processor where the kernel tells it (a busy machine takes the
        // processor away from this thread; that is not the search's time), else wall time.
        let elapsed = match (cpu_started, support::thread_cpu_seconds()) {
            (Some(from), Some(to)) => to - from,
            _ => started.elapsed().as_secs_f64(),
        };
        best = best.min(elapsed);
    }
    println!(
        "{} files, {:.1} MB, {} search: {:.0} MB/s ({found} occurrences, checksum {checksum:016x})",
        texts.len(),
        bytes as f64 / 1e6,
        if scalar { "scalar" } else { "default" },
        bytes as f64 / 1e6 / best,
    );
}
