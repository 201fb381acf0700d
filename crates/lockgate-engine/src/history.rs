//! Secrets in git: the lines added by every commit of a range (`--git`), or by the staged
//! changes (`--staged`). `git` prints the patches (`-U0`: added lines only, with their
//! line numbers); this module reads them as a stream and groups each file's added lines
//! of one commit into one text, so a secret is reported once, at the commit that added it,
//! with the line it has in that commit's version of the file.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use lockgate_model::Commit;

/// What to read from git.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum History {
    /// Commits of a revision range (`main..HEAD`, `HEAD~20..`), or of every ref.
    Git { range: Option<String> },
    /// The staged changes (what `git commit` would record).
    Staged,
}

/// One file's added lines in one commit (or in the index).
#[derive(Debug, Default)]
pub(crate) struct AddedText {
    pub path: String,
    pub commit: Option<Arc<Commit>>,
    /// The added lines, joined with `\n`.
    pub text: Vec<u8>,
    /// The file line of each added line, in order.
    pub lines: Vec<u32>,
    /// The file is new in this change (file-name rules apply to it).
    pub new_file: bool,
}

impl AddedText {
    /// The file line of a 1-based line of [`AddedText::text`].
    pub fn file_line(&self, line: u32) -> u32 {
        usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|i| self.lines.get(i))
            .copied()
            .unwrap_or(line)
    }
}

/// Runs git and hands every file's added text to `each`, in the order git prints them.
/// Returns the number of commits read.
pub(crate) fn read(
    repo: &Path,
    history: &History,
    mut each: impl FnMut(AddedText),
) -> Result<usize, String> {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(repo)
        .args(["-c", "core.quotepath=false"]);
    // Patches with added lines only, no colour, no external or text-converted diffs, and
    // the usual `a/` `b/` prefixes whatever the user's configuration says.
    const PATCH: [&str; 7] = [
        "-p",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
    ];
    match history {
        History::Git { range } => {
            command
                .arg("log")
                .args(PATCH)
                .arg("--format=%x1elockgate-commit%x1f%H%x1f%an%x1f%ae%x1f%aI%x1f%s");
            match range {
                Some(range) if range.starts_with('-') => {
                    return Err(format!(
                        "`{range}` is not a revision range (it looks like an option)"
                    ));
                }
                Some(range) => {
                    command.arg(range);
                }
                None => {
                    command.arg("--all");
                }
            }
            command.arg("--");
        }
        History::Staged => {
            command
                .args(["diff", "--cached"])
                .args(PATCH)
                .args(["--diff-filter=ACMR", "--"]);
        }
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                "`git` is not on PATH; install git to scan history or staged changes".to_string()
            } else {
                format!("cannot run git: {e}")
            }
        })?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| "cannot read git's output".to_string())?;
    // Read stderr on its own thread so a chatty git cannot block on a full pipe.
    let stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            use std::io::Read;
            let _ = stderr.read_to_string(&mut text);
        }
        text
    });
    let commits = parse_patches(BufReader::new(stdout), history, &mut each)
        .map_err(|e| format!("reading git's output: {e}"))?;
    let status = child
        .wait()
        .map_err(|e| format!("git did not finish: {e}"))?;
    let stderr = errors.join().unwrap_or_default();
    if !status.success() {
        let detail = stderr.trim();
        return Err(if detail.contains("not a git repository") {
            format!("{} is not inside a git repository", repo.display())
        } else {
            format!("git failed: {detail}")
        });
    }
    Ok(commits)
}

/// The parser's place in a patch.
struct Hunk {
    next_line: u32,
    old_left: u32,
    new_left: u32,
}

/// Reads `git log -p -U0` / `git diff -U0` output.
fn parse_patches(
    mut input: impl BufRead,
    history: &History,
    each: &mut impl FnMut(AddedText),
) -> std::io::Result<usize> {
    let mut commits = usize::from(*history == History::Staged);
    let mut commit: Option<Arc<Commit>> = None;
    let mut current: Option<AddedText> = None;
    let mut hunk: Option<Hunk> = None;
    let mut line = Vec::new();
    let flush = |current: &mut Option<AddedText>, each: &mut dyn FnMut(AddedText)| {
        if let Some(added) = current.take()
            && (!added.lines.is_empty() || added.new_file)
        {
            each(added);
        }
    };
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if let Some(h) = hunk.as_mut()
            && (h.old_left > 0 || h.new_left > 0)
        {
            match line.first() {
                Some(b'+') if h.new_left > 0 => {
                    if let Some(added) = current.as_mut() {
                        if !added.text.is_empty() || !added.lines.is_empty() {
                            added.text.push(b'\n');
                        }
                        added.text.extend_from_slice(&line[1..]);
                        added.lines.push(h.next_line);
                    }
                    h.next_line += 1;
                    h.new_left -= 1;
                    continue;
                }
                Some(b'-') if h.old_left > 0 => {
                    h.old_left -= 1;
                    continue;
                }
                Some(b'\\') => continue,
                _ => hunk = None,
            }
        }
        if let Some(header) = line.strip_prefix(b"\x1elockgate-commit\x1f") {
            flush(&mut current, each);
            hunk = None;
            commits += 1;
            let text = String::from_utf8_lossy(header);
            let mut parts = text.split('\x1f');
            let mut next = || parts.next().unwrap_or_default().to_string();
            commit = Some(Arc::new(Commit {
                sha: next(),
                author: next(),
                email: next(),
                date: next(),
                summary: next(),
            }));
        } else if let Some(rest) = line.strip_prefix(b"diff --git ") {
            flush(&mut current, each);
            hunk = None;
            current = Some(AddedText {
                path: b_path_of_diff_header(&String::from_utf8_lossy(rest)),
                commit: commit.clone(),
                ..AddedText::default()
            });
        } else if line.starts_with(b"new file mode") {
            if let Some(added) = current.as_mut() {
                added.new_file = true;
            }
        } else if let Some(rest) = line.strip_prefix(b"+++ ") {
            if let Some(added) = current.as_mut() {
                let path = unquote(&String::from_utf8_lossy(rest));
                if let Some(path) = path.strip_prefix("b/") {
                    added.path = path.to_string();
                }
            }
        } else if let Some(rest) = line.strip_prefix(b"@@ ") {
            hunk = parse_hunk_header(&String::from_utf8_lossy(rest));
        }
    }
    flush(&mut current, each);
    Ok(commits)
}

/// `-a,b +c,d @@ ...` → the hunk's start line and line counts (a count defaults to 1).
fn parse_hunk_header(text: &str) -> Option<Hunk> {
    let mut fields = text.split_whitespace();
    let old = fields.next()?.strip_prefix('-')?;
    let new = fields.next()?.strip_prefix('+')?;
    let count = |range: &str| -> Option<(u32, u32)> {
        match range.split_once(',') {
            Some((start, len)) => Some((start.parse().ok()?, len.parse().ok()?)),
            None => Some((range.parse().ok()?, 1)),
        }
    };
    let (_, old_left) = count(old)?;
    let (next_line, new_left) = count(new)?;
    Some(Hunk {
        next_line,
        old_left,
        new_left,
    })
}

/// The new path from `a/old b/new` (used for binary files, which have no `+++` line).
fn b_path_of_diff_header(rest: &str) -> String {
    let rest = unquote_pair(rest);
    rest.rfind(" b/")
        .map(|at| rest[at + 3..].to_string())
        .unwrap_or(rest)
}

/// `"a/x y" "b/x y"` → `a/x y b/x y`: drop quotes git puts around unusual paths.
fn unquote_pair(text: &str) -> String {
    text.split('"')
        .filter(|part| !part.trim().is_empty())
        .map(unquote)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Removes C-style quoting (`"b/tab\there"`), as git writes paths with unusual bytes.
fn unquote(text: &str) -> String {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, history: History) -> (Vec<AddedText>, usize) {
        let mut out = Vec::new();
        let commits = parse_patches(text.as_bytes(), &history, &mut |a| out.push(a)).unwrap();
        (out, commits)
    }

    #[test]
    fn added_lines_keep_their_file_line_numbers_per_commit() {
        let log = "\x1elockgate-commit\x1fabc\x1fAda\x1fada@example.org\x1f2024-01-02T03:04:05+00:00\x1fadd config\n\n\
diff --git a/app.env b/app.env\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/app.env\n@@ -0,0 +1,2 @@\n+A=1\n+TOKEN=abc\n\
diff --git a/src/main.rs b/src/main.rs\nindex 1..2 100644\n--- a/src/main.rs\n+++ b/src/main.rs\n@@ -10 +10 @@ fn main\n-old\n+new line\n@@ -20,0 +21,1 @@\n++++ plus-prefixed content\n\
\x1elockgate-commit\x1fdef\x1fBo\x1fbo@example.org\x1f2024-01-03T00:00:00+00:00\x1fbinary\n\n\
diff --git a/key.p12 b/key.p12\nnew file mode 100644\nindex 0000000..2222222\nBinary files /dev/null and b/key.p12 differ\n";
        let (added, commits) = parse(log, History::Git { range: None });
        assert_eq!(commits, 2);
        assert_eq!(added.len(), 3);
        assert_eq!(added[0].path, "app.env");
        assert_eq!(added[0].text, b"A=1\nTOKEN=abc");
        assert_eq!(added[0].lines, [1, 2]);
        assert!(added[0].new_file);
        assert_eq!(added[0].commit.as_ref().unwrap().author, "Ada");
        assert_eq!(added[1].path, "src/main.rs");
        assert_eq!(added[1].text, b"new line\n+++ plus-prefixed content");
        assert_eq!(added[1].lines, [10, 21]);
        assert_eq!(added[1].file_line(2), 21);
        assert_eq!(added[2].path, "key.p12");
        assert!(added[2].new_file && added[2].lines.is_empty());
        assert_eq!(added[2].commit.as_ref().unwrap().sha, "def");
    }

    #[test]
    fn staged_diff_counts_as_one_change_and_quoted_paths_are_unquoted() {
        let diff = "diff --git \"a/we ird\\tname\" \"b/we ird\\tname\"\nindex 1..2 100644\n--- \"a/we ird\\tname\"\n+++ \"b/we ird\\tname\"\n@@ -1 +1 @@\n-x\n+y\n";
        let (added, commits) = parse(diff, History::Staged);
        assert_eq!(commits, 1);
        assert_eq!(added[0].path, "we ird\tname");
        assert_eq!(added[0].text, b"y");
    }
}
