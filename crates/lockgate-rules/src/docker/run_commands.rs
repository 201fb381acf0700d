//! The simple commands a RUN instruction runs: its shell text (and heredoc scripts) split
//! on `&&`, `||`, `;`, `|`, `&` and newlines into commands of unquoted words, with leading
//! `VAR=value` assignments and wrappers (`env`, `exec`, `time`, `nohup`, ...) skipped.
//! `sh -c '...'` scripts are split too. Exec-form RUN is one command of its JSON words.

use lockgate_syntax::dockerfile::{Args, Dockerfile, Instruction, Keyword};

/// One simple command: its words with quotes removed, wrappers and assignments skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub words: Vec<String>,
    /// The command reads the output of the previous one through `|`.
    pub after_pipe: bool,
}

impl Command {
    /// The program's name without its directory (`/usr/bin/apt-get` → `apt-get`).
    pub(crate) fn program(&self) -> &str {
        self.words
            .first()
            .map_or("", |w| w.rsplit('/').next().unwrap_or(w))
    }

    /// The same command with a leading `sudo` (and its options) removed.
    pub(crate) fn without_sudo(&self) -> Command {
        let mut words: &[String] = &self.words;
        if self.program() == "sudo" {
            words = words.get(1..).unwrap_or_default();
            while let Some(first) = words.first() {
                if first == "--" {
                    words = words.get(1..).unwrap_or_default();
                    break;
                }
                if !first.starts_with('-') {
                    break;
                }
                // Options that take the next word as their value.
                let takes_value = matches!(
                    first.as_str(),
                    "-u" | "-g" | "-C" | "-D" | "-h" | "-p" | "-r" | "-t" | "-T" | "-U"
                );
                words = words
                    .get(if takes_value { 2 } else { 1 }..)
                    .unwrap_or_default();
            }
            words = skip_assignments(words);
        }
        Command {
            words: words.to_vec(),
            after_pipe: self.after_pipe,
        }
    }
}

/// The RUN instruction of `instruction`: itself, or the trigger of `ONBUILD RUN`.
pub(crate) fn as_run(instruction: &Instruction) -> Option<&Instruction> {
    match (&instruction.kind, &instruction.args) {
        (Keyword::Run, _) => Some(instruction),
        (Keyword::Onbuild, Args::Onbuild(inner)) if inner.kind == Keyword::Run => Some(inner),
        _ => None,
    }
}

/// Every simple command a RUN instruction runs, heredoc scripts included.
pub(crate) fn run_commands(_dockerfile: &Dockerfile, run: &Instruction) -> Vec<Command> {
    if let Args::Exec(words) = &run.args {
        let words: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        let mut out = Vec::new();
        push_command(words, false, &mut out);
        return out;
    }
    let Some(command) = run.shell_command() else {
        return Vec::new();
    };
    let mut out = split_commands(&command.text);
    // The heredoc bodies are the script when the command is nothing but the heredoc
    // markers, or a shell reading its script from them.
    let runs_bodies = out.is_empty()
        || (out.len() == 1
            && out.first().is_some_and(|c| {
                is_shell(c.program()) && c.words.iter().skip(1).all(|w| w.starts_with('-'))
            }));
    if runs_bodies {
        for heredoc in &run.heredocs {
            let first = heredoc.body.lines().next().unwrap_or("");
            if let Some(interpreter) = first.strip_prefix("#!") {
                let program = interpreter.split_whitespace().collect::<Vec<_>>();
                let name = program
                    .first()
                    .map_or("", |p| p.rsplit('/').next().unwrap_or(p));
                let name = if name == "env" {
                    program.get(1).copied().unwrap_or("")
                } else {
                    name
                };
                if !is_shell(name) {
                    continue;
                }
            }
            out.extend(split_commands(&heredoc.body));
        }
    }
    out
}

fn is_shell(program: &str) -> bool {
    matches!(program, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh")
}

/// The scripts of the command substitutions (`$(...)`, `` `...` ``) and process
/// substitutions (`<(...)`, `>(...)`) in a word, outermost first, nested ones after.
pub(crate) fn substitutions(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![word.to_string()];
    // Each round takes one level of nesting off; the bound guards pathological input.
    for _ in 0..8 {
        let mut next = Vec::new();
        for text in pending {
            let chars: Vec<char> = text.chars().collect();
            let mut i = 0;
            while let Some(&c) = chars.get(i) {
                if matches!(c, '$' | '<' | '>') && chars.get(i + 1) == Some(&'(') {
                    let mut depth = 0usize;
                    let mut inner = String::new();
                    i += 1;
                    while let Some(&c) = chars.get(i) {
                        if c == '(' {
                            depth += 1;
                            if depth == 1 {
                                i += 1;
                                continue;
                            }
                        } else if c == ')' {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        inner.push(c);
                        i += 1;
                    }
                    next.push(inner);
                } else if c == '`' {
                    let inner: String = chars
                        .get(i + 1..)
                        .unwrap_or_default()
                        .iter()
                        .take_while(|&&c| c != '`')
                        .collect();
                    i += inner.chars().count() + 1;
                    next.push(inner);
                }
                i += 1;
            }
        }
        if next.is_empty() {
            break;
        }
        out.extend(next.iter().cloned());
        pending = next;
    }
    out
}

/// Splits shell text into simple commands (scripts of `sh -c` included).
pub(crate) fn split_commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for (words, after_pipe) in tokenize(script) {
        push_command(words, after_pipe, &mut out);
    }
    out
}

/// Adds a command after skipping assignments and wrappers; a `sh -c` command adds the
/// commands of its script instead.
fn push_command(words: Vec<String>, after_pipe: bool, out: &mut Vec<Command>) {
    let words = command_words(&words);
    if words.is_empty() {
        return;
    }
    let command = Command {
        words: words.to_vec(),
        after_pipe,
    };
    if is_shell(command.program()) {
        let mut rest = words.iter().skip(1);
        while let Some(word) = rest.next() {
            if word.starts_with('-')
                && !word.starts_with("--")
                && word.contains('c')
                && let Some(script) = rest.find(|w| !w.starts_with('-'))
            {
                out.extend(split_commands(script));
                return;
            }
            if !word.starts_with('-') {
                break;
            }
        }
    }
    out.push(command);
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn skip_assignments(mut words: &[String]) -> &[String] {
    while words.first().is_some_and(|w| is_assignment(w)) {
        words = words.get(1..).unwrap_or_default();
    }
    words
}

/// The words from the program on: leading assignments, shell keywords and wrappers
/// (`env`, `exec`, `time`, `nohup`, `command`, `builtin`) with their options skipped.
pub(crate) fn command_words(mut words: &[String]) -> &[String] {
    loop {
        words = skip_assignments(words);
        let Some(first) = words.first() else {
            return words;
        };
        match first.as_str() {
            "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{" | "}"
            | "nohup" | "builtin" => words = words.get(1..).unwrap_or_default(),
            "env" | "exec" | "time" | "command" => {
                let takes_value: &[&str] = match first.as_str() {
                    "env" => &["-u", "-C", "-S", "--unset", "--chdir"],
                    "exec" => &["-a"],
                    "time" => &["-f", "-o", "--format", "--output"],
                    _ => &[],
                };
                words = words.get(1..).unwrap_or_default();
                while let Some(option) = words.first().filter(|w| w.starts_with('-')) {
                    let skip = if takes_value.contains(&option.as_str()) {
                        2
                    } else {
                        1
                    };
                    words = words.get(skip..).unwrap_or_default();
                    if option == "--" {
                        break;
                    }
                }
            }
            _ => return words,
        }
    }
}

/// The state of [`tokenize`]: finished commands, the words of the current one and the
/// word being read.
#[derive(Default)]
struct Tokens {
    commands: Vec<(Vec<String>, bool)>,
    words: Vec<String>,
    word: String,
    /// A word has started (it may be empty, like `''`).
    in_word: bool,
    /// The next word is the target of a redirection.
    skip_next_word: bool,
    /// The current command reads from a pipe.
    after_pipe: bool,
}

impl Tokens {
    fn end_word(&mut self) {
        if self.in_word {
            let word = std::mem::take(&mut self.word);
            if self.skip_next_word {
                self.skip_next_word = false;
            } else {
                self.words.push(word);
            }
            self.in_word = false;
        }
    }

    fn end_command(&mut self, pipe: bool) {
        self.end_word();
        if !self.words.is_empty() {
            let words = std::mem::take(&mut self.words);
            self.commands.push((words, self.after_pipe));
        }
        self.after_pipe = pipe;
    }
}

/// Cuts shell text into commands of unquoted words. Redirections (with their target)
/// and comments are dropped; `$(...)` and backquotes stay inside their word.
fn tokenize(script: &str) -> Vec<(Vec<String>, bool)> {
    let chars: Vec<char> = script.chars().collect();
    let mut t = Tokens::default();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\n' => {
                t.end_command(false);
            }
            ' ' | '\t' | '\r' => {
                t.end_word();
            }
            '#' if !t.in_word => {
                while chars.get(i).is_some_and(|&c| c != '\n') {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                t.in_word = true;
                i += 1;
                while let Some(&c) = chars.get(i) {
                    if c == '\'' {
                        break;
                    }
                    t.word.push(c);
                    i += 1;
                }
            }
            '"' => {
                t.in_word = true;
                i += 1;
                while let Some(&c) = chars.get(i) {
                    if c == '"' {
                        break;
                    }
                    if c == '\\'
                        && let Some(&next) = chars.get(i + 1)
                    {
                        if matches!(next, '"' | '\\' | '$' | '`') {
                            t.word.push(next);
                            i += 2;
                            continue;
                        }
                        if next == '\n' {
                            i += 2;
                            continue;
                        }
                    }
                    t.word.push(c);
                    i += 1;
                }
            }
            '\\' => {
                match chars.get(i + 1) {
                    Some('\n') => {}
                    Some(&next) => {
                        t.in_word = true;
                        t.word.push(next);
                    }
                    None => {}
                }
                i += 1;
            }
            '`' => {
                t.in_word = true;
                t.word.push(c);
                i += 1;
                while let Some(&c) = chars.get(i) {
                    t.word.push(c);
                    if c == '`' {
                        break;
                    }
                    i += 1;
                }
            }
            '$' | '<' | '>'
                if chars.get(i + 1) == Some(&'(')
                    || (c == '$' && chars.get(i + 1) == Some(&'{')) =>
            {
                // `$(...)`, `${...}` and process substitution `<(...)`, `>(...)` stay
                // inside their word.
                t.in_word = true;
                let (open, close) = if chars.get(i + 1) == Some(&'(') {
                    ('(', ')')
                } else {
                    ('{', '}')
                };
                t.word.push(c);
                let mut depth = 0usize;
                i += 1;
                while let Some(&c) = chars.get(i) {
                    t.word.push(c);
                    if c == open {
                        depth += 1;
                    } else if c == close {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            '<' | '>' => {
                // A file descriptor number right before the operator belongs to it.
                if t.in_word && !t.word.is_empty() && t.word.chars().all(|c| c.is_ascii_digit()) {
                    t.word.clear();
                    t.in_word = false;
                }
                t.end_word();
                while chars
                    .get(i)
                    .is_some_and(|c| matches!(c, '<' | '>' | '&' | '|'))
                {
                    i += 1;
                }
                if chars.get(i) == Some(&'-') {
                    i += 1;
                }
                t.skip_next_word = true;
                continue;
            }
            '&' if chars.get(i + 1) == Some(&'>') => {
                t.end_word();
                i += 1;
                continue;
            }
            '|' => {
                let pipe = chars.get(i + 1) != Some(&'|');
                if !pipe {
                    i += 1;
                }
                t.end_command(pipe);
            }
            ';' | '&' | '(' | ')' => {
                t.end_command(false);
            }
            _ => {
                t.in_word = true;
                t.word.push(c);
            }
        }
        i += 1;
    }
    t.end_command(false);
    t.commands
}

#[cfg(test)]
mod tests {
    use super::split_commands;

    fn words(script: &str) -> Vec<Vec<String>> {
        split_commands(script)
            .into_iter()
            .map(|c| c.words)
            .collect()
    }

    #[test]
    fn splits_on_operators_and_newlines() {
        assert_eq!(
            words("apt-get update && apt-get install -y curl || true; echo a | tee b\nls &\nid"),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl"],
                vec!["true"],
                vec!["echo", "a"],
                vec!["tee", "b"],
                vec!["ls"],
                vec!["id"],
            ]
        );
    }

    #[test]
    fn quotes_comments_and_redirections() {
        assert_eq!(
            words("echo 'a && b' \"c;d\" > /dev/null 2>&1 # sudo here\nfoo\\ bar"),
            vec![vec!["echo", "a && b", "c;d"], vec!["foo bar"]]
        );
        assert_eq!(words("cat <<EOF > /etc/x"), vec![vec!["cat"]]);
        assert_eq!(
            words("echo $(sudo id) ${A:-b;c}"),
            vec![vec!["echo", "$(sudo id)", "${A:-b;c}"]]
        );
    }

    #[test]
    fn skips_assignments_and_wrappers() {
        assert_eq!(
            words(
                "DEBIAN_FRONTEND=noninteractive apt-get install x && env -u A B=1 nohup time -p exec sudo id"
            ),
            vec![vec!["apt-get", "install", "x"], vec!["sudo", "id"]]
        );
        assert_eq!(
            words("if true; then sudo ls; fi"),
            vec![vec!["true"], vec!["sudo", "ls"], vec!["fi"]]
        );
    }

    #[test]
    fn shell_dash_c_scripts_are_split() {
        assert_eq!(
            words("bash -ec 'apt-get update && sudo ls'"),
            vec![vec!["apt-get", "update"], vec!["sudo", "ls"]]
        );
    }

    #[test]
    fn substitutions_are_words_and_can_be_opened() {
        assert_eq!(
            words("bash <(curl -fsSL https://x/y) --flag"),
            vec![vec!["bash", "<(curl -fsSL https://x/y)", "--flag"]]
        );
        assert_eq!(
            super::substitutions("a$(b $(c))`d`<(e)"),
            vec!["b $(c)", "d", "e", "c"]
        );
    }

    #[test]
    fn pipes_are_marked() {
        let commands = split_commands("yes | apt-get install x || y");
        let pipes: Vec<bool> = commands.iter().map(|c| c.after_pipe).collect();
        assert_eq!(pipes, vec![false, true, false]);
    }

    #[test]
    fn sudo_is_removed_with_its_options() {
        let commands = split_commands("sudo -u root -E apt-get install x");
        let first = commands.first().cloned().map(|c| c.without_sudo().words);
        assert_eq!(
            first,
            Some(vec!["apt-get".into(), "install".into(), "x".into()])
        );
    }
}
