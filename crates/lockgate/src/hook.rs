//! `lockgate hook install`: a git pre-commit hook that searches the staged changes for
//! secrets, so a credential is stopped before it becomes history.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

use crate::cli::HookInstallArgs;

/// Marks hooks this command wrote, so reinstalling replaces them without `--force`.
const MARKER: &str = "written by `lockgate hook install`";

pub fn install(args: &HookInstallArgs) -> anyhow::Result<ExitCode> {
    let hooks = hooks_dir(&args.repo)?;
    std::fs::create_dir_all(&hooks)
        .with_context(|| format!("cannot create {}", hooks.display()))?;
    let hook = hooks.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook)
        && !existing.contains(MARKER)
        && !args.force
    {
        bail!(
            "{} already exists and was not written by lockgate; add `lockgate scan --staged` to it \
             yourself, or replace it with `lockgate hook install --force`",
            hook.display()
        );
    }
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "lockgate".to_string());
    // The binary that installed the hook runs it; `lockgate` on PATH is the fallback
    // when that binary has moved.
    let script = format!(
        "#!/bin/sh\n\
         # lockgate pre-commit hook, {MARKER}.\n\
         # Stops a commit whose staged changes add a secret. Skip it once with\n\
         # `git commit --no-verify`; allow a test value with a `lockgate:allow` comment.\n\
         LOCKGATE={}\n\
         if [ ! -x \"$LOCKGATE\" ]; then LOCKGATE=lockgate; fi\n\
         exec \"$LOCKGATE\" scan --staged\n",
        shell_quote(&exe)
    );
    std::fs::write(&hook, script).with_context(|| format!("cannot write {}", hook.display()))?;
    make_executable(&hook)?;
    eprintln!(
        "installed {}: every commit now runs `lockgate scan --staged`",
        hook.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The repository's hooks directory, honouring `core.hooksPath`.
fn hooks_dir(repo: &Path) -> anyhow::Result<PathBuf> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--git-path", "hooks"])
        .output()
        .context("cannot run git; install git to use hooks")?;
    if !output.status.success() {
        bail!(
            "{} is not inside a git repository: {}",
            repo.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    Ok(if path.is_absolute() {
        path
    } else {
        repo.join(path)
    })
}

/// `'...'` with embedded quotes escaped, for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}
