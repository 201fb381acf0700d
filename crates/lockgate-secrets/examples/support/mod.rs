//! What the timing examples share: loading a tree into memory and reading the thread's
//! processor time and the process's peak memory from `/proc` (Linux).

use std::path::Path;

/// Every regular file under `root` (symbolic links not followed), in path order, with
/// its path as text.
pub fn load_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut texts = Vec::new();
    load(root, &mut texts);
    texts
}

fn load(path: &Path, texts: &mut Vec<(String, Vec<u8>)>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for entry in entries {
            load(&entry, texts);
        }
    } else if meta.is_file()
        && let Ok(text) = std::fs::read(path)
    {
        texts.push((path.display().to_string(), text));
    }
}

/// This thread's time on the processor, in seconds (`/proc/thread-self/schedstat`).
pub fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds as f64 / 1e9)
}

/// The process's peak resident memory (`VmHWM`), in KB; 0 when unknown.
#[allow(dead_code)] // used by some of the examples only
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}
