//! Hostile and random version strings: parsing and comparing must never panic, must
//! stay fast on long input, and comparison must at least be antisymmetric so that
//! sorting untrusted versions cannot fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;
use std::time::{Duration, Instant};

use lockgate_vuln::{Ecosystem, Version, VersionScheme, compare, sort_versions};

const SCHEMES: [VersionScheme; 12] = [
    VersionScheme::Alpine,
    VersionScheme::Debian,
    VersionScheme::Rpm,
    VersionScheme::SemVer,
    VersionScheme::Pep440,
    VersionScheme::Maven,
    VersionScheme::RubyGems,
    VersionScheme::NuGet,
    VersionScheme::Packagist,
    VersionScheme::Pub,
    VersionScheme::Hackage,
    VersionScheme::Cran,
];

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces that version grammars care about, plus noise.
const PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "10",
    "007",
    ".",
    ".",
    ".",
    "-",
    "-",
    "_",
    "+",
    "~",
    "^",
    ":",
    "!",
    "a",
    "b",
    "c",
    "r",
    "p",
    "v",
    "V",
    "rc",
    "RC",
    "alpha",
    "beta",
    "pre",
    "preview",
    "dev",
    "post",
    "rev",
    "sp",
    "ga",
    "final",
    "release",
    "snapshot",
    "milestone",
    "cr",
    "cvs",
    "svn",
    "git",
    "hg",
    "pl",
    "patch",
    "#",
    "-r",
    "_p",
    "_rc",
    ".dev",
    "+local",
    "99999999999999999999999999999999999999",
    "18446744073709551616",
    " ",
    "\t",
    "é",
    "İ",
    "ß",
    "\u{0}",
    "\u{10FFFF}",
    "🦀",
    "%",
    "*",
    "/",
    "\\",
    "..",
    "--",
    "~~",
    "^^",
];

fn random_version(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

#[test]
fn random_strings_never_panic_and_compare_consistently() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for scheme in SCHEMES {
        let texts: Vec<String> = (0..1500).map(|_| random_version(&mut rng)).collect();
        let versions: Vec<Version> = texts
            .iter()
            .map(|t| Version::parse_scheme(scheme, t))
            .collect();
        for (i, a) in versions.iter().enumerate() {
            assert_eq!(
                a.cmp(a),
                Ordering::Equal,
                "{scheme:?}: {a:?} is not equal to itself"
            );
            for b in versions.iter().skip(i + 1).take(40) {
                assert_eq!(
                    a.cmp(b),
                    b.cmp(a).reverse(),
                    "{scheme:?}: {a:?} and {b:?} are not antisymmetric"
                );
            }
        }
        // Never panics, whatever the order.
        let mut sorted = versions.clone();
        sort_versions(&mut sorted);
        if scheme == VersionScheme::Maven {
            // Maven's own order is not transitive (see `Version`).
            continue;
        }
        assert!(
            sorted.windows(2).all(|w| w[0] <= w[1]),
            "{scheme:?}: sort_versions left an inversion"
        );
        assert_transitive(scheme, &versions[..70]);
        // A total order, so the standard sorts must not panic either.
        let mut std_sorted = versions.clone();
        std_sorted.sort();
        std_sorted.sort_unstable();
    }
}

/// Checks every triple: `<`/`=` chains hold, and equal versions compare alike.
fn assert_transitive(scheme: VersionScheme, versions: &[Version]) {
    for a in versions {
        for b in versions {
            let ab = a.cmp(b);
            for c in versions {
                let (bc, ac) = (b.cmp(c), a.cmp(c));
                if ab != Ordering::Greater && bc != Ordering::Greater {
                    let want = if ab == Ordering::Equal {
                        bc
                    } else {
                        Ordering::Less
                    };
                    assert_eq!(ac, want, "{scheme:?}: {a:?} {ab:?} {b:?} {bc:?} {c:?}");
                }
            }
        }
    }
}

#[test]
fn maven_cycle_is_sorted_without_panic() {
    // Maven's own order: 1.sp < 1-alpha < 1 < 1.sp.
    let parse = |text| Version::parse(Ecosystem::Maven, text);
    assert!(parse("1.sp") < parse("1-alpha"));
    assert!(parse("1-alpha") < parse("1"));
    assert!(parse("1") < parse("1.sp"));
    let mut versions: Vec<Version> = ["1", "1.sp", "1-alpha"]
        .repeat(50)
        .into_iter()
        .map(parse)
        .collect();
    sort_versions(&mut versions);
    assert_eq!(versions.len(), 150);
}

#[test]
fn pathological_long_inputs_stay_fast() {
    let inputs = [
        "1".repeat(100_000),
        "1.".repeat(50_000),
        "1-0-x-".repeat(20_000),
        "-0".repeat(50_000),
        "_p".repeat(50_000),
        "a1".repeat(50_000),
        "~".repeat(100_000),
        "9".repeat(100_000) + "." + &"9".repeat(100_000),
        "é".repeat(50_000),
        "1.0".to_string() + &".0".repeat(50_000),
    ];
    for scheme in SCHEMES {
        let start = Instant::now();
        for input in &inputs {
            let a = Version::parse_scheme(scheme, input);
            let b = Version::parse_scheme(scheme, &format!("{input}1"));
            let _ = a.cmp(&b);
            let _ = b.cmp(&a);
        }
        let elapsed = start.elapsed();
        println!("{scheme:?}: {elapsed:?}");
        assert!(
            elapsed < Duration::from_secs(5),
            "{scheme:?} took {elapsed:?} on long inputs"
        );
    }
}

#[test]
fn huge_numbers_do_not_overflow() {
    let big = "999999999999999999999999999999999999999999";
    let bigger = "1000000000000000000000000000000000000000000";
    for ecosystem in Ecosystem::ALL {
        assert_eq!(
            compare(ecosystem, big, bigger),
            Ordering::Less,
            "{ecosystem:?}"
        );
        assert_eq!(
            compare(ecosystem, &format!("1.{big}"), &format!("1.{bigger}")),
            Ordering::Less,
            "{ecosystem:?}"
        );
    }
}
