//! Differential check of the Debian ordering against the real dpkg
//! (`dpkg --compare-versions`) on random well-formed versions, beyond the fixtures.
//! dpkg is part of every Debian system, which is what the tests run on: a missing dpkg
//! fails the test rather than skipping it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;
use std::process::Command;

use lockgate_vuln::{Ecosystem, compare};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A well-formed Debian version built from the pieces real ones are made of.
fn debian_version(rng: &mut Rng) -> String {
    let mut v = String::new();
    if rng.below(4) == 0 {
        v.push_str(rng.pick(&["0:", "1:", "2:", "10:"]));
    }
    v.push_str(rng.pick(&["0", "1", "2", "10", "01"]));
    for _ in 0..rng.below(4) {
        v.push_str(rng.pick(&[".", ".", "+", "~"]));
        v.push_str(rng.pick(&[
            "0",
            "1",
            "2",
            "9",
            "10",
            "a",
            "b",
            "rc1",
            "dfsg",
            "git20240101",
            "ds",
        ]));
    }
    if rng.below(3) != 0 {
        v.push('-');
        v.push_str(rng.pick(&[
            "0",
            "1",
            "2",
            "10",
            "1ubuntu1",
            "0ubuntu0.22.04.1",
            "1+deb12u1",
            "1~bpo11+1",
            "3build2",
            "1.1",
        ]));
    }
    v
}

#[test]
fn debian_order_matches_dpkg() {
    assert!(
        Command::new("dpkg").arg("--version").output().is_ok(),
        "dpkg is not installed: this differential test needs the real dpkg (Debian's `dpkg` package)"
    );
    let mut rng = Rng(0xD9C6_0001_2345_6789);
    let mut mismatches = Vec::new();
    for _ in 0..400 {
        let (a, b) = (debian_version(&mut rng), debian_version(&mut rng));
        let dpkg_says = |op: &str| {
            Command::new("dpkg")
                .args(["--compare-versions", &a, op, &b])
                .status()
                .unwrap()
                .success()
        };
        let want = if dpkg_says("lt") {
            Ordering::Less
        } else if dpkg_says("eq") {
            Ordering::Equal
        } else {
            Ordering::Greater
        };
        let got = compare(Ecosystem::Debian, &a, &b);
        if got != want {
            mismatches.push(format!("{a} vs {b}: dpkg {want:?}, lockgate {got:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "differs from dpkg:\n{}",
        mismatches.join("\n")
    );
}
