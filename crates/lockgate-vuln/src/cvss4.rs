//! CVSS v4.0 scores, computed as the FIRST CVSS v4.0 specification (section 8) defines
//! them: the vector's metrics select one of 270 macrovectors (equivalence classes EQ1..EQ6),
//! the specification's lookup table gives the score of that macrovector's most severe
//! vector, and the vector's own score is interpolated below it by its severity distance
//! from that most severe vector, then rounded to one decimal.
//!
//! [`cvss4_score`] scores every metric group the vector states, as the specification and
//! FIRST's reference calculator do: a base-only vector gets its CVSS-B score, one with
//! `E` its CVSS-BT score, one with requirement or modified metrics its CVSS-BE/BTE score.
//! Metrics left out, or stated as `X`, take the specification's defaults: `E` the worst
//! case (`A`, attacked), `CR`/`IR`/`AR` the worst case (`H`), and every modified metric
//! the base value it modifies. Supplemental metrics (`S`, `AU`, `R`, `V`, `RE`, `U`) are
//! validated but never change the score.
//!
//! Vectors are untrusted: an unknown metric, a duplicate, a value the specification does
//! not list for that metric, a missing base metric or an empty component makes the vector
//! invalid (`None`); nothing panics. Metric order is not enforced (the specification asks
//! producers for it, but a reordered vector is still unambiguous).

/// Every metric of CVSS v4.0 and the values the specification lists for it. A metric's
/// position here is its slot in [`Metrics`].
const METRICS: [(&str, &[&str]); 32] = [
    // Base (all eleven are mandatory).
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    // Threat.
    ("E", &["X", "A", "P", "U"]),
    // Environmental.
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    // Supplemental: validated, never scored.
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

/// How many of [`METRICS`] are base metrics (the first ones), all of them mandatory.
const BASE_METRICS: usize = 11;

/// The score of each macrovector's most severe vector, in tenths, from the lookup table
/// the specification publishes (FIRST's reference calculator, `cvss_lookup.js`). Indexed
/// by [`macrovector_index`]; 0 marks the combinations that are no macrovector (EQ3=2 with
/// EQ6=0 cannot happen: EQ6=0 needs a high vulnerable-system impact, EQ3=2 excludes it).
/// Every real macrovector scores at least 0.1, so 0 is never a real score.
#[rustfmt::skip]
const MACROVECTOR_SCORES: [u8; 324] = [
    // One row per EQ1, EQ2, EQ3; its 18 entries run over EQ4 (slowest), EQ5, EQ6 (fastest).
    // EQ1=0 EQ2=0 EQ3=0
    100, 99, 98, 95, 95, 92, 100, 96, 93, 87, 91, 81, 93, 90, 89, 80, 81, 68,
    // EQ1=0 EQ2=0 EQ3=1
    98, 95, 95, 92, 90, 84, 93, 92, 89, 81, 81, 65, 88, 80, 78, 70, 69, 48,
    // EQ1=0 EQ2=0 EQ3=2
    0, 92, 0, 82, 0, 72, 0, 79, 0, 69, 0, 50, 0, 69, 0, 55, 0, 27,
    // EQ1=0 EQ2=1 EQ3=0
    99, 97, 95, 92, 92, 85, 95, 91, 90, 83, 84, 71, 92, 81, 82, 71, 72, 53,
    // EQ1=0 EQ2=1 EQ3=1
    95, 93, 92, 85, 85, 73, 92, 82, 80, 72, 70, 59, 84, 70, 71, 52, 50, 30,
    // EQ1=0 EQ2=1 EQ3=2
    0, 86, 0, 75, 0, 52, 0, 71, 0, 52, 0, 29, 0, 63, 0, 29, 0, 17,
    // EQ1=1 EQ2=0 EQ3=0
    98, 95, 94, 87, 91, 81, 94, 89, 86, 74, 77, 64, 87, 75, 74, 63, 63, 49,
    // EQ1=1 EQ2=0 EQ3=1
    94, 89, 88, 77, 76, 67, 86, 76, 74, 58, 59, 50, 72, 57, 57, 52, 52, 25,
    // EQ1=1 EQ2=0 EQ3=2
    0, 83, 0, 70, 0, 54, 0, 65, 0, 58, 0, 26, 0, 53, 0, 21, 0, 13,
    // EQ1=1 EQ2=1 EQ3=0
    95, 90, 88, 76, 76, 70, 90, 77, 75, 62, 61, 53, 77, 66, 68, 59, 52, 30,
    // EQ1=1 EQ2=1 EQ3=1
    89, 78, 76, 67, 62, 58, 74, 59, 57, 57, 47, 23, 61, 52, 57, 29, 24, 16,
    // EQ1=1 EQ2=1 EQ3=2
    0, 71, 0, 59, 0, 30, 0, 58, 0, 26, 0, 15, 0, 23, 0, 13, 0, 6,
    // EQ1=2 EQ2=0 EQ3=0
    93, 87, 86, 72, 75, 58, 86, 74, 74, 61, 56, 34, 70, 54, 52, 40, 40, 22,
    // EQ1=2 EQ2=0 EQ3=1
    85, 75, 74, 55, 62, 51, 72, 57, 55, 41, 46, 19, 53, 36, 34, 19, 19, 8,
    // EQ1=2 EQ2=0 EQ3=2
    0, 64, 0, 51, 0, 20, 0, 47, 0, 21, 0, 11, 0, 24, 0, 9, 0, 4,
    // EQ1=2 EQ2=1 EQ3=0
    88, 75, 73, 53, 60, 50, 73, 55, 59, 40, 41, 20, 54, 43, 45, 22, 20, 11,
    // EQ1=2 EQ2=1 EQ3=1
    75, 55, 58, 45, 40, 21, 61, 51, 48, 18, 20, 9, 46, 18, 17, 7, 8, 2,
    // EQ1=2 EQ2=1 EQ3=2
    0, 53, 0, 24, 0, 14, 0, 24, 0, 12, 0, 5, 0, 10, 0, 3, 0, 1,
];

/// The depth of each macrovector, in severity steps: how far its least severe vector
/// lies below its most severe ones (the specification's "maximal severity distance"),
/// which turns a vector's distance into a proportion of the way to the next lower
/// macrovector. EQ5 has none: its macrovectors hold a single threat value each.
const EQ1_DEPTH: [u8; 3] = [1, 4, 5];
const EQ2_DEPTH: [u8; 2] = [1, 2];
/// Indexed by `[EQ3][EQ6]`; EQ3=2 with EQ6=0 does not exist.
const EQ3_EQ6_DEPTH: [[u8; 2]; 3] = [[7, 6], [8, 8], [0, 10]];
const EQ4_DEPTH: [u8; 3] = [6, 5, 4];

/// The most severe vectors of each EQ's macrovectors, as the specification lists them,
/// restricted to the metrics that EQ looks at, in order. A vector's severity distance is
/// measured from the first of these it does not exceed in any metric.
const EQ1_MAXES: [&[[&str; 3]]; 3] = [
    // AV, PR, UI
    &[["N", "N", "N"]],
    &[["A", "N", "N"], ["N", "L", "N"], ["N", "N", "P"]],
    &[["P", "N", "N"], ["A", "L", "P"]],
];
const EQ2_MAXES: [&[[&str; 2]]; 2] = [
    // AC, AT
    &[["L", "N"]],
    &[["H", "N"], ["L", "P"]],
];
/// Indexed by `[EQ3][EQ6]`. VC, VI, VA, CR, IR, AR.
const EQ3_EQ6_MAXES: [[&[[&str; 6]]; 2]; 3] = [
    [
        &[["H", "H", "H", "H", "H", "H"]],
        &[
            ["H", "H", "L", "M", "M", "H"],
            ["H", "H", "H", "M", "M", "M"],
        ],
    ],
    [
        &[
            ["L", "H", "H", "H", "H", "H"],
            ["H", "L", "H", "H", "H", "H"],
        ],
        &[
            ["L", "H", "L", "H", "M", "H"],
            ["L", "H", "H", "H", "M", "M"],
            ["H", "L", "H", "M", "H", "M"],
            ["H", "L", "L", "M", "H", "H"],
            ["L", "L", "H", "H", "H", "M"],
        ],
    ],
    [&[], &[["L", "L", "L", "H", "H", "H"]]],
];
const EQ4_MAXES: [&[[&str; 3]]; 3] = [
    // SC, SI, SA
    &[["H", "S", "S"]],
    &[["H", "H", "H"]],
    &[["L", "L", "L"]],
];

/// The CVSS v4.0 score of a vector such as
/// `CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H` (10.0), or `None`
/// for an invalid vector. See the [module documentation](self) for which metrics count.
pub fn cvss4_score(vector: &str) -> Option<f64> {
    let metrics = Metrics::parse(vector)?;

    // The specification's shortcut: no impact on either system scores 0.0, whatever
    // the exploitability.
    if ["VC", "VI", "VA", "SC", "SI", "SA"]
        .iter()
        .all(|name| metrics.effective(name) == "N")
    {
        return Some(0.0);
    }

    let eq = metrics.macrovector();
    let top = macrovector_score(eq)?;

    // The score of the next lower macrovector along each EQ; `None` where there is none.
    // EQ3 and EQ6 move together: their lower neighbours are 00 → 01 or 10 (whichever
    // scores higher), 01 → 11, 10 → 11, 11 → 21, and 21 has none.
    let lower = |i: usize| {
        let mut next = eq;
        next[i] += 1;
        macrovector_score(next)
    };
    let lower_eq3_eq6 = match (eq[2], eq[5]) {
        (0, 0) => match (lower(5), lower(2)) {
            (Some(left), Some(right)) => Some(left.max(right)),
            (left, right) => left.or(right),
        },
        (0, 1) | (1, 1) => lower(2),
        (1, 0) => lower(5),
        _ => None,
    };
    let lowers = [lower(0), lower(1), lower_eq3_eq6, lower(3), lower(4)];

    // How far the vector lies below its macrovector's most severe vector, per EQ.
    let distances = metrics.severity_distances(eq);
    let depths = [
        f64::from(EQ1_DEPTH[usize::from(eq[0])]),
        f64::from(EQ2_DEPTH[usize::from(eq[1])]),
        f64::from(EQ3_EQ6_DEPTH[usize::from(eq[2])][usize::from(eq[5])]),
        f64::from(EQ4_DEPTH[usize::from(eq[3])]),
    ];

    // Each EQ with a lower neighbour moves the score down by the same proportion of the
    // gap to that neighbour as the vector's distance is of the macrovector's depth; the
    // score drops by the mean of those moves. EQ5 counts in the mean but never moves
    // (its macrovectors have no depth).
    let mut moved = 0.0;
    let mut counted = 0u32;
    for (i, lower) in lowers.iter().enumerate() {
        let Some(lower) = lower else { continue };
        counted += 1;
        if i < 4 {
            moved += (top - lower) * f64::from(distances[i]) / depths[i];
        }
    }
    let mean = if counted == 0 {
        0.0
    } else {
        moved / f64::from(counted)
    };
    Some(round_to_tenth((top - mean).clamp(0.0, 10.0)))
}

/// Rounds half up to one decimal. The interpolation can land a hair below an x.x5 tie in
/// floating point; the small lift keeps such ties rounding up, as the reference
/// calculator does (it adds the same 10^-6 before rounding).
fn round_to_tenth(value: f64) -> f64 {
    ((value + 1e-6) * 10.0).round() / 10.0
}

/// A macrovector as its six EQ levels.
type Macrovector = [u8; 6];

/// The slot of a macrovector in [`MACROVECTOR_SCORES`], or `None` past any EQ's range.
fn macrovector_index(eq: Macrovector) -> Option<usize> {
    const RANGES: Macrovector = [3, 2, 3, 3, 3, 2];
    let mut index = 0;
    for (level, range) in eq.iter().zip(RANGES) {
        if *level >= range {
            return None;
        }
        index = index * usize::from(range) + usize::from(*level);
    }
    Some(index)
}

/// The score of a macrovector's most severe vector, `None` if there is no such
/// macrovector.
fn macrovector_score(eq: Macrovector) -> Option<f64> {
    let tenths = *MACROVECTOR_SCORES.get(macrovector_index(eq)?)?;
    (tenths != 0).then(|| f64::from(tenths) / 10.0)
}

/// The values a vector states, one slot per entry of [`METRICS`]; `None` where the vector
/// leaves a metric out.
struct Metrics<'a> {
    values: [Option<&'a str>; METRICS.len()],
}

impl<'a> Metrics<'a> {
    fn parse(vector: &'a str) -> Option<Metrics<'a>> {
        let body = vector.strip_prefix("CVSS:4.0/")?;
        let mut values = [None; METRICS.len()];
        for part in body.split('/') {
            let (name, value) = part.split_once(':')?;
            let slot = METRICS.iter().position(|(known, _)| *known == name)?;
            if values[slot].is_some() || !METRICS[slot].1.contains(&value) {
                return None;
            }
            values[slot] = Some(value);
        }
        if values[..BASE_METRICS].iter().any(Option::is_none) {
            return None;
        }
        Some(Metrics { values })
    }

    /// The value as stated, `X` when left out.
    fn stated(&self, name: &str) -> &'a str {
        METRICS
            .iter()
            .position(|(known, _)| *known == name)
            .and_then(|slot| self.values[slot])
            .unwrap_or("X")
    }

    /// The value that counts for scoring: a base metric's modified value where one is
    /// given, and the worst case for threat and requirement metrics that are not.
    fn effective(&self, name: &str) -> &'a str {
        match (name, self.stated(name)) {
            ("E", "X") => "A",
            ("CR" | "IR" | "AR", "X") => "H",
            (_, stated) => {
                let modified = match name {
                    "AV" => "MAV",
                    "AC" => "MAC",
                    "AT" => "MAT",
                    "PR" => "MPR",
                    "UI" => "MUI",
                    "VC" => "MVC",
                    "VI" => "MVI",
                    "VA" => "MVA",
                    "SC" => "MSC",
                    "SI" => "MSI",
                    "SA" => "MSA",
                    _ => return stated,
                };
                match self.stated(modified) {
                    "X" => stated,
                    value => value,
                }
            }
        }
    }

    /// The macrovector (EQ1..EQ6) the vector belongs to, as the specification's table of
    /// equivalence classes defines them.
    fn macrovector(&self) -> Macrovector {
        let is = |name: &str, value: &str| self.effective(name) == value;
        let eq1 = if is("AV", "N") && is("PR", "N") && is("UI", "N") {
            0
        } else if (is("AV", "N") || is("PR", "N") || is("UI", "N")) && !is("AV", "P") {
            1
        } else {
            2
        };
        let eq2 = if is("AC", "L") && is("AT", "N") { 0 } else { 1 };
        let eq3 = if is("VC", "H") && is("VI", "H") {
            0
        } else if is("VC", "H") || is("VI", "H") || is("VA", "H") {
            1
        } else {
            2
        };
        // Safety (`S`) exists only as a modified subsequent-system value.
        let eq4 = if self.stated("MSI") == "S" || self.stated("MSA") == "S" {
            0
        } else if is("SC", "H") || is("SI", "H") || is("SA", "H") {
            1
        } else {
            2
        };
        let eq5 = match self.effective("E") {
            "A" => 0,
            "P" => 1,
            _ => 2,
        };
        let eq6 = if (is("CR", "H") && is("VC", "H"))
            || (is("IR", "H") && is("VI", "H"))
            || (is("AR", "H") && is("VA", "H"))
        {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    /// The vector's severity distance, in steps, from the most severe vector of its
    /// macrovector, for EQ1, EQ2, EQ3+EQ6 and EQ4. The reference is, for each EQ, the
    /// first listed most severe vector that is at least as severe in every metric;
    /// where some EQ has none, the reference calculator falls back to the last listed
    /// vector of every EQ, and so does this.
    fn severity_distances(&self, eq: Macrovector) -> [i32; 4] {
        let eq1 = self.distance(&["AV", "PR", "UI"], EQ1_MAXES[usize::from(eq[0])]);
        let eq2 = self.distance(&["AC", "AT"], EQ2_MAXES[usize::from(eq[1])]);
        let eq3_eq6 = self.distance(
            &["VC", "VI", "VA", "CR", "IR", "AR"],
            EQ3_EQ6_MAXES[usize::from(eq[2])][usize::from(eq[5])],
        );
        let eq4 = self.distance(&["SC", "SI", "SA"], EQ4_MAXES[usize::from(eq[3])]);
        let all = [eq1, eq2, eq3_eq6, eq4];
        match all.map(|d| d.first) {
            [Some(a), Some(b), Some(c), Some(d)] => [a, b, c, d],
            _ => all.map(|d| d.last),
        }
    }

    /// The summed distance on `names` from the first of `maxes` that is at least as
    /// severe in each of them, and the summed distance from the last of `maxes`.
    fn distance<const N: usize>(&self, names: &[&str; N], maxes: &[[&str; N]]) -> Distance {
        let mut found = Distance {
            first: None,
            last: 0,
        };
        for max in maxes {
            let steps: [i32; N] = std::array::from_fn(|i| {
                level(names[i], self.effective(names[i])) - level(names[i], max[i])
            });
            found.last = steps.iter().sum();
            if found.first.is_none() && steps.iter().all(|step| *step >= 0) {
                found.first = Some(found.last);
            }
        }
        found
    }
}

/// A vector's severity distance within one EQ: from the first most severe vector that
/// dominates it (if any) and from the last one listed.
#[derive(Clone, Copy)]
struct Distance {
    first: Option<i32>,
    last: i32,
}

/// How many severity steps a value lies below its metric's most severe value (the
/// specification's ordering of each metric's values, used for severity distances).
fn level(name: &str, value: &str) -> i32 {
    let order: &[&str] = match name {
        "AV" => &["N", "A", "L", "P"],
        "PR" => &["N", "L", "H"],
        "UI" => &["N", "P", "A"],
        "AC" => &["L", "H"],
        "AT" => &["N", "P"],
        "VC" | "VI" | "VA" => &["H", "L", "N"],
        // Safety (only `MSI`/`MSA` can state it) ranks above High on the subsequent
        // system; confidentiality has no Safety value but keeps the same scale.
        "SC" | "SI" | "SA" => &["S", "H", "L", "N"],
        "CR" | "IR" | "AR" => &["H", "M", "L"],
        _ => &[],
    };
    // Every value was checked against its metric when parsing, so the fallback is never
    // taken; it keeps this total without a panic path.
    order
        .iter()
        .position(|known| *known == value)
        .map_or(0, |position| position as i32)
}
