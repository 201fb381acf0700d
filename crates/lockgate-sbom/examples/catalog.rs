//! Prints what `catalog_dir` finds under each path given, one package per line:
//! `cargo run -p lockgate-sbom --example catalog -- PATH...`.

use std::path::Path;
use std::time::Instant;

fn main() {
    for arg in std::env::args().skip(1) {
        let started = Instant::now();
        let set = lockgate_sbom::catalog_dir(Path::new(&arg));
        let elapsed = started.elapsed();
        for package in &set.packages {
            let line = package
                .found_at
                .line
                .map(|l| format!(":{l}"))
                .unwrap_or_default();
            println!("{}\t{}{line}", package.purl, package.found_at.path);
        }
        for problem in &set.problems {
            eprintln!("problem: {problem}");
        }
        eprintln!("{arg}: {} packages in {elapsed:.2?}", set.packages.len());
    }
}
