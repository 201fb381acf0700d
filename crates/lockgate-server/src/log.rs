//! Structured logs: one JSON object per line. Decisions go to the decision log (standard
//! output or a file); what the server itself does (start, reload, shutdown, errors) goes
//! to standard error.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{SystemTime, UNIX_EPOCH};

use lockgate_engine::Date;

/// Where decision lines go. A thread of its own writes them, so a slow pipe or disk
/// delays the log, not the answers; lines are written whole, in order, and flushed
/// whenever no more are waiting. If the writer falls 1,000 lines behind, requests wait
/// for it rather than losing decisions.
pub struct DecisionLog {
    lines: Mutex<Option<SyncSender<String>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// Decision lines that may wait for the writer.
const BACKLOG: usize = 1_000;

impl DecisionLog {
    pub fn stdout() -> DecisionLog {
        DecisionLog::start(Box::new(std::io::stdout()))
    }

    /// Appends to `path`, creating it.
    pub fn file(path: &Path) -> std::io::Result<DecisionLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(DecisionLog::start(Box::new(file)))
    }

    fn start(out: Box<dyn Write + Send>) -> DecisionLog {
        let (lines, waiting) = sync_channel::<String>(BACKLOG);
        let writer = std::thread::Builder::new()
            .name("lockgate-decision-log".into())
            .spawn(move || write_lines(out, &waiting))
            .ok();
        DecisionLog {
            lines: Mutex::new(Some(lines)),
            writer: Mutex::new(writer),
        }
    }

    pub fn write(&self, record: &serde_json::Value) {
        let mut line = record.to_string();
        line.push('\n');
        let sender = self.lines.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(sender) = sender {
            // Only fails once the log is closed (shutting down): nothing to do then.
            let _ = sender.send(line);
        }
    }

    /// Writes what is waiting and stops the writer; later lines are dropped.
    pub fn close(&self) {
        drop(self.lines.lock().unwrap_or_else(|p| p.into_inner()).take());
        if let Some(writer) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = writer.join();
        }
    }
}

fn write_lines(out: Box<dyn Write + Send>, waiting: &Receiver<String>) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    while let Ok(line) = waiting.recv() {
        // A full disk must not stop admission: the line is lost, the request answered.
        let _ = out.write_all(line.as_bytes());
        while let Ok(line) = waiting.try_recv() {
            let _ = out.write_all(line.as_bytes());
        }
        let _ = out.flush();
    }
    let _ = out.flush();
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
