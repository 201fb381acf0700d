//! Measures the version side of matching 10,000 packages (the target: under
//! 100 ms overall): each installed version is parsed and checked against three
//! `introduced`/`fixed` ranges of its ecosystem, once parsing every bound on the spot
//! and once with bounds parsed ahead (as a loaded advisory database would hold them).
//!
//! `cargo run --release -p lockgate-vuln --example version_matching_throughput`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use lockgate_vuln::{Ecosystem, Version};

const PACKAGES: usize = 10_000;
const RANGES: usize = 3;

/// A realistic version string of `ecosystem`, varied by `n`.
fn sample(ecosystem: Ecosystem, n: usize) -> String {
    let (a, b, c) = (n % 5, n % 23, n % 7);
    match ecosystem {
        Ecosystem::Debian | Ecosystem::Ubuntu => format!("1:{a}.{b}.{c}-{}+deb12u{c}", b + 1),
        Ecosystem::Alpine => format!("{a}.{b}.{c}_p{c}-r{b}"),
        Ecosystem::Rpm => format!("{a}.{b}.{c}-{b}.el9_{c}"),
        Ecosystem::PyPI => format!("{a}.{b}.{c}rc{c}.post{a}"),
        Ecosystem::Maven => format!("{a}.{b}.{c}.Final-SNAPSHOT"),
        Ecosystem::RubyGems => format!("{a}.{b}.{c}.beta{c}"),
        Ecosystem::NuGet => format!("{a}.{b}.{c}.{a}-Preview.{c}"),
        Ecosystem::Packagist => format!("v{a}.{b}.{c}-RC{c}"),
        Ecosystem::Cran => format!("{a}.{b}-{c}"),
        _ => format!("{a}.{b}.{c}-beta.{c}+build.{b}"),
    }
}

/// An installed package: its ecosystem, version, and `(introduced, fixed)` ranges.
type Package = (Ecosystem, String, Vec<(String, String)>);

fn main() {
    let packages: Vec<Package> = (0..PACKAGES)
        .map(|i| {
            let ecosystem = Ecosystem::ALL[i % Ecosystem::ALL.len()];
            let ranges = (0..RANGES)
                .map(|r| {
                    (
                        sample(ecosystem, i + r * 3),
                        sample(ecosystem, i + r * 3 + 2),
                    )
                })
                .collect();
            (ecosystem, sample(ecosystem, i + 1), ranges)
        })
        .collect();

    let start = Instant::now();
    let mut affected = 0;
    for (ecosystem, installed, ranges) in &packages {
        let installed = Version::parse(*ecosystem, installed);
        affected += ranges
            .iter()
            .filter(|(introduced, fixed)| {
                Version::parse(*ecosystem, introduced) <= installed
                    && installed < Version::parse(*ecosystem, fixed)
            })
            .count();
    }
    let parse_all = start.elapsed();

    let bounds: Vec<Vec<(Version, Version)>> = packages
        .iter()
        .map(|(ecosystem, _, ranges)| {
            ranges
                .iter()
                .map(|(i, f)| (Version::parse(*ecosystem, i), Version::parse(*ecosystem, f)))
                .collect()
        })
        .collect();
    let start = Instant::now();
    let mut affected_preparsed = 0;
    for ((ecosystem, installed, _), ranges) in packages.iter().zip(&bounds) {
        let installed = Version::parse(*ecosystem, installed);
        affected_preparsed += ranges
            .iter()
            .filter(|(introduced, fixed)| *introduced <= installed && installed < *fixed)
            .count();
    }
    let preparsed = start.elapsed();

    assert_eq!(affected, affected_preparsed);
    println!(
        "{PACKAGES} packages x {RANGES} ranges, {} ecosystems: {affected} affected\n\
         parsing every bound: {:.2} ms\n\
         bounds parsed ahead: {:.2} ms",
        Ecosystem::ALL.len(),
        parse_all.as_secs_f64() * 1e3,
        preparsed.as_secs_f64() * 1e3,
    );
}
