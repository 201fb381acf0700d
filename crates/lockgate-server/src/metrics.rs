//! Prometheus metrics of the webhook, in the text exposition format (version 0.0.4).
//!
//! A handful of counters and one histogram do not need a metrics library: counters with
//! labels sit in one mutex-guarded map (a request takes it once, for well under a
//! microsecond), the latency histogram is atomics.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency histogram, in seconds: fine below the 2 ms target, coarse
/// up to the API server's 30 s ceiling.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

/// Counter families and their help text, in the order they are written.
const FAMILIES: [(&str, &str); 5] = [
    (
        "lockgate_admission_requests_total",
        "Admission requests received, by operation and kind.",
    ),
    (
        "lockgate_admission_decisions_total",
        "Decisions by outcome (admitted, denied, skipped), mode, and whether enforce would have denied.",
    ),
    (
        "lockgate_admission_findings_total",
        "Open findings on judged requests, by rule and mode.",
    ),
    (
        "lockgate_admission_errors_total",
        "Requests answered with an HTTP error, by reason.",
    ),
    (
        "lockgate_admission_reloads_total",
        "Reloads of the configuration and policies or of the certificate, by result.",
    ),
];

/// Label sets one family may hold. Some labels come from requests (the kind, the
/// operation), so a client that can reach the webhook could otherwise grow the map
/// without bound; past this, new label sets are counted under `overflow="true"`.
const MAX_SERIES_PER_FAMILY: usize = 2000;

#[derive(Debug, Default)]
pub struct Metrics {
    /// (family, rendered labels) → count.
    counters: Mutex<BTreeMap<(&'static str, String), u64>>,
    /// Label sets per family.
    series: Mutex<BTreeMap<&'static str, usize>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Sum of latencies in nanoseconds.
    sum_nanos: AtomicU64,
    /// Generation of the configuration in use.
    pub generation: AtomicU64,
}

impl Metrics {
    /// Adds one to a counter; `labels` are (name, value) pairs.
    pub fn count(&self, family: &'static str, labels: &[(&str, &str)]) {
        self.add(family, labels, 1);
    }

    pub fn add(&self, family: &'static str, labels: &[(&str, &str)], by: u64) {
        let mut rendered = String::new();
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                rendered.push(',');
            }
            let _ = write!(rendered, "{name}=\"{}\"", escape(value));
        }
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (family, rendered);
        if let Some(count) = counters.get_mut(&key) {
            *count += by;
            return;
        }
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let held = series.entry(family).or_insert(0);
        let key = if *held >= MAX_SERIES_PER_FAMILY {
            (family, "overflow=\"true\"".to_string())
        } else {
            *held += 1;
            key
        };
        *counters.entry(key).or_insert(0) += by;
    }

    /// Records one request's latency.
    pub fn observe(&self, elapsed: std::time::Duration) {
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        for (family, help) in FAMILIES {
            let _ = writeln!(out, "# HELP {family} {help}\n# TYPE {family} counter");
            for ((_, labels), value) in counters.iter().filter(|((f, _), _)| *f == family) {
                let _ = writeln!(out, "{family}{{{labels}}} {value}");
            }
        }
        let name = "lockgate_admission_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time from a request's body read to its answer written, in seconds.\n# TYPE {name} histogram"
        );
        // Buckets are counted individually above, so they are already cumulative.
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
        let generation = self.generation.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP lockgate_admission_config_generation Configuration and policies in use: 1 at start, one more per reload.\n# TYPE lockgate_admission_config_generation gauge\nlockgate_admission_config_generation {generation}"
        );
        let _ = writeln!(
            out,
            "# HELP lockgate_build_info lockgate's version.\n# TYPE lockgate_build_info gauge\nlockgate_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out
    }
}

/// Label values escape backslash, double quote and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_sets_from_requests_are_bounded() {
        let metrics = Metrics::default();
        for i in 0..(MAX_SERIES_PER_FAMILY + 50) {
            metrics.count(
                "lockgate_admission_requests_total",
                &[("kind", &format!("v1/Kind{i}"))],
            );
        }
        let text = metrics.render();
        let series = text
            .lines()
            .filter(|l| l.starts_with("lockgate_admission_requests_total{"))
            .count();
        assert_eq!(series, MAX_SERIES_PER_FAMILY + 1);
        assert!(text.contains("lockgate_admission_requests_total{overflow=\"true\"} 50"));
    }

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.count(
            "lockgate_admission_requests_total",
            &[("operation", "CREATE"), ("kind", "v1/Pod")],
        );
        metrics.count(
            "lockgate_admission_requests_total",
            &[("operation", "CREATE"), ("kind", "v1/Pod")],
        );
        metrics.count(
            "lockgate_admission_errors_total",
            &[("reason", "bad \"json\"\n")],
        );
        metrics.observe(std::time::Duration::from_micros(300));
        metrics.observe(std::time::Duration::from_millis(3));
        let text = metrics.render();
        assert!(
            text.contains(
                "lockgate_admission_requests_total{operation=\"CREATE\",kind=\"v1/Pod\"} 2"
            )
        );
        assert!(text.contains("reason=\"bad \\\"json\\\"\\n\"} 1"));
        assert!(text.contains("_bucket{le=\"0.00025\"} 0"));
        assert!(text.contains("_bucket{le=\"0.0005\"} 1"));
        assert!(text.contains("_bucket{le=\"0.005\"} 2"));
        assert!(text.contains("_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("lockgate_admission_request_duration_seconds_count 2"));
    }
}
