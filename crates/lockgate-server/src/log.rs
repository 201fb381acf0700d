//! Structured logs: one JSON object per line. Decisions go to the decision log (standard
//! output or a file); what the server itself does (start, reload, shutdown, errors) goes
//! to standard error.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use lockgate_engine::Date;

/// Where decision lines go. Each line is written whole and flushed, so a reader of the
/// log never sees half a decision.
pub struct DecisionLog {
    out: Mutex<Box<dyn Write + Send>>,
}

impl DecisionLog {
    pub fn stdout() -> DecisionLog {
        DecisionLog {
            out: Mutex::new(Box::new(std::io::stdout())),
        }
    }

    /// Appends to `path`, creating it.
    pub fn file(path: &Path) -> std::io::Result<DecisionLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(DecisionLog {
            out: Mutex::new(Box::new(file)),
        })
    }

    pub fn write(&self, record: &serde_json::Value) {
        let mut line = record.to_string();
        line.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // A full disk must not stop admission: the line is lost, the request answered.
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}

/// Logs an event of the server to standard error.
pub fn event(level: &str, event: &str, message: &str, extra: serde_json::Value) {
    let mut record = serde_json::json!({
        "time": now_rfc3339(),
        "level": level,
        "event": event,
        "message": message,
    });
    if let (Some(record), serde_json::Value::Object(extra)) = (record.as_object_mut(), extra) {
        record.extend(extra);
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{record}");
}

/// The current UTC time as `2026-11-24T01:02:03.456Z`.
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let date = Date::from_days_since_epoch(i64::try_from(seconds / 86_400).unwrap_or(0));
    let of_day = seconds % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        let time = UNIX_EPOCH + std::time::Duration::from_millis(1_795_914_123_456);
        assert_eq!(rfc3339(time), "2026-11-29T01:02:03.456Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }
}
