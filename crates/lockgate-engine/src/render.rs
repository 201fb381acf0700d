//! Rendering Kustomize directories and Helm charts with the tools the user already has
//! (`kubectl kustomize`, `helm template`), with a time limit, so their output is scanned
//! like any manifest.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one render may take before it is abandoned.
const RENDER_TIMEOUT: Duration = Duration::from_secs(120);
/// Rendered output beyond this size is refused (a runaway template).
const MAX_RENDER_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug)]
pub(crate) enum RenderError {
    /// The tool is not on PATH.
    Missing(&'static str),
    /// The tool ran and failed; its stderr (trimmed) is kept.
    Failed(String),
}

pub(crate) fn kustomize(dir: &Path) -> Result<String, RenderError> {
    run("kubectl", &["kustomize".as_ref(), dir.as_os_str()])
}

pub(crate) fn helm_template(dir: &Path) -> Result<String, RenderError> {
    let release = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or("release")
        .to_ascii_lowercase();
    run(
        "helm",
        &["template".as_ref(), release.as_ref(), dir.as_os_str()],
    )
}

/// Splits `helm template` output by its `# Source: chart/templates/x.yaml` comments, so
/// findings name the template that produced them (`helm://DIR/templates/x.yaml`).
/// Documents before any `Source` comment stay under `helm://DIR`.
pub(crate) fn split_helm_output(chart: &str, text: &str) -> Vec<(String, String)> {
    let mut parts: Vec<(String, String)> = Vec::new();
    let mut current_source: Option<String> = None;
    let mut current = String::new();
    let flush = |source: &Option<String>, text: &mut String, parts: &mut Vec<(String, String)>| {
        if text.trim().is_empty() {
            text.clear();
            return;
        }
        let path = match source {
            Some(source) => format!("helm://{chart}/{source}"),
            None => format!("helm://{chart}"),
        };
        match parts.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => {
                existing.push_str("---\n");
                existing.push_str(text);
            }
            None => parts.push((path, std::mem::take(text))),
        }
        text.clear();
    };
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            flush(&current_source, &mut current, &mut parts);
            current_source = None;
            continue;
        }
        if let Some(source) = line.strip_prefix("# Source: ") {
            // `chart/templates/x.yaml`: drop the chart's own name.
            let source = source.trim();
            let relative = source.split_once('/').map_or(source, |(_, rest)| rest);
            if current.trim().is_empty() {
                current_source = Some(relative.to_string());
            }
        }
        current.push_str(line);
    }
    flush(&current_source, &mut current, &mut parts);
    parts
}

fn run(program: &'static str, args: &[&std::ffi::OsStr]) -> Result<String, RenderError> {
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(RenderError::Missing(program));
        }
        Err(error) => {
            return Err(RenderError::Failed(format!(
                "cannot start {program}: {error}"
            )));
        }
    };
    // Read both pipes on their own threads so a chatty tool cannot block on a full pipe.
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || read_bounded(stdout));
    let err_reader = std::thread::spawn(move || read_bounded(stderr));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() > RENDER_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "{program} did not finish within {} s",
                    RENDER_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => break Err(format!("waiting for {program}: {error}")),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let status = status.map_err(RenderError::Failed)?;
    if !status.success() {
        let message = String::from_utf8_lossy(&stderr).trim().to_string();
        return Err(RenderError::Failed(if message.is_empty() {
            format!("{program} exited with {status}")
        } else {
            message
        }));
    }
    if stdout.len() > MAX_RENDER_BYTES {
        return Err(RenderError::Failed(format!(
            "{program} produced more than {} MiB of output",
            MAX_RENDER_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(stdout)
        .map_err(|_| RenderError::Failed(format!("{program} produced output that is not UTF-8")))
}

fn read_bounded(pipe: Option<impl Read>) -> Vec<u8> {
    let mut buffer = Vec::new();
    if let Some(pipe) = pipe {
        // One byte past the limit is enough to know the limit was exceeded.
        let mut limited = pipe.take(u64::try_from(MAX_RENDER_BYTES).unwrap_or(u64::MAX) + 1);
        let _ = limited.read_to_end(&mut buffer);
        // Drain the rest so the tool does not block writing to a full pipe.
        let _ = std::io::copy(&mut limited.into_inner(), &mut std::io::sink());
    }
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_output_is_split_by_template() {
        let output = "---\n# Source: web/templates/svc.yaml\napiVersion: v1\nkind: Service\n---\n# Source: web/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\n---\n# Source: web/templates/svc.yaml\napiVersion: v1\nkind: Service\n";
        let parts = split_helm_output("charts/web", output);
        let paths: Vec<&str> = parts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "helm://charts/web/templates/svc.yaml",
                "helm://charts/web/templates/deploy.yaml"
            ]
        );
        assert_eq!(parts[0].1.matches("kind: Service").count(), 2);
        assert!(
            parts[1]
                .1
                .starts_with("# Source: web/templates/deploy.yaml\n")
        );
    }
}
