//! Variable substitution and quote removal on one word, as Docker's shell lexer does it
//! for the instructions it expands (FROM, COPY, ADD, ENV, LABEL, ARG, USER, WORKDIR, ...).
//!
//! Supported: `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`,
//! `${VAR+word}`, `${VAR:?msg}`, `${VAR?msg}`, the pattern forms `${VAR#pat}`,
//! `${VAR##pat}`, `${VAR%pat}`, `${VAR%%pat}`, `${VAR/pat/repl}` and `${VAR//pat/repl}`
//! (with `*` and `?` wildcards), single and double quotes, and the escape character.
//!
//! The input is hostile: nesting of `${...}` is bounded, every result is capped in
//! length, and pattern matching runs an automaton with a step budget instead of
//! backtracking, so the work stays linear in the input plus the budgets.

/// Where variable values come from.
pub(crate) trait Lookup {
    fn get(&self, name: &str) -> Option<&str>;
}

/// No variables at all.
pub(crate) struct NoVariables;

impl Lookup for NoVariables {
    fn get(&self, _: &str) -> Option<&str> {
        None
    }
}

/// Deepest nesting of `${...}` inside the words of `${...}`.
const MAX_DEPTH: usize = 32;
/// Longest value a pattern is matched against, in characters.
const MAX_PATTERN_VALUE: usize = 4096;

/// Budgets shared by all the substitutions of one resolution.
pub(crate) struct Budget {
    /// Most bytes one substituted word may grow to.
    pub(crate) max_len: usize,
    /// Bytes left for all substituted words together.
    pub(crate) bytes_left: usize,
    /// Pattern-matching steps left.
    pub(crate) steps_left: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_len: 1 << 20,
            bytes_left: 64 << 20,
            steps_left: 50_000_000,
        }
    }
}

/// The result of substituting one word.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) value: String,
    /// Names looked up that had no value, in order of first use.
    pub(crate) unset: Vec<String>,
}

/// How quotes are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quotes {
    /// Removed, as for instruction words.
    Remove,
    /// Kept as plain characters, as for heredoc bodies.
    Keep,
}

/// Substitutes variables in `word` and removes quotes and escapes. An error is Docker's
/// error for the same word (bad substitution, open quote, ...).
pub(crate) fn substitute(
    word: &str,
    escape: char,
    quotes: Quotes,
    env: &dyn Lookup,
    budget: &mut Budget,
) -> Result<Outcome, String> {
    let mut lexer = Lexer {
        text: word,
        pos: 0,
        escape,
        quotes,
        env,
        keep_variables: false,
        unset: Vec::new(),
        budget,
    };
    let value = lexer.until(None, 0, false)?;
    lexer.budget.bytes_left = lexer.budget.bytes_left.saturating_sub(value.len());
    Ok(Outcome {
        value,
        unset: lexer.unset,
    })
}

/// Removes quotes and escapes the way Docker does, but leaves every `$...` as written:
/// what a word says before substitution. `None` when Docker could not read the word (a
/// quote left open, a malformed `${...}`).
pub fn unquote(word: &str, escape: char) -> Option<String> {
    let mut budget = Budget {
        max_len: usize::MAX,
        bytes_left: usize::MAX,
        steps_left: 0,
    };
    let mut lexer = Lexer {
        text: word,
        pos: 0,
        escape,
        quotes: Quotes::Remove,
        env: &NoVariables,
        keep_variables: true,
        unset: Vec::new(),
        budget: &mut budget,
    };
    lexer.until(None, 0, false).ok()
}

struct Lexer<'a, 'b> {
    text: &'a str,
    pos: usize,
    escape: char,
    quotes: Quotes,
    env: &'b dyn Lookup,
    /// Copy `$...` through unchanged (quote removal only).
    keep_variables: bool,
    unset: Vec<String>,
    budget: &'b mut Budget,
}

impl Lexer<'_, '_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..)?.chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn check_len(&self, out: &str) -> Result<(), String> {
        if out.len() > self.budget.max_len || out.len() > self.budget.bytes_left {
            return Err(format!(
                "variable substitution grows a word past {} bytes; refusing to expand it",
                self.budget.max_len.min(self.budget.bytes_left)
            ));
        }
        Ok(())
    }

    /// Reads up to `stop` (consumed) or the end. `raw_escapes` keeps escape characters,
    /// as Docker does inside the patterns of `${VAR#pat}`.
    fn until(
        &mut self,
        stop: Option<char>,
        depth: usize,
        raw_escapes: bool,
    ) -> Result<String, String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                self.next();
                return Ok(out);
            }
            match c {
                '$' => {
                    let value = self.dollar(depth)?;
                    out.push_str(&value);
                }
                '\'' if self.quotes == Quotes::Remove => {
                    let value = self.single_quoted()?;
                    out.push_str(&value);
                }
                '"' if self.quotes == Quotes::Remove => {
                    let value = self.double_quoted(depth, raw_escapes)?;
                    out.push_str(&value);
                }
                _ => {
                    self.next();
                    if c == self.escape {
                        if raw_escapes {
                            out.push(c);
                        }
                        // An escape character at the end of the word is dropped.
                        match self.next() {
                            Some(next) => out.push(next),
                            None => break,
                        }
                    } else {
                        out.push(c);
                    }
                }
            }
            self.check_len(&out)?;
        }
        match stop {
            Some(stop) => Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            )),
            None => Ok(out),
        }
    }

    fn single_quoted(&mut self) -> Result<String, String> {
        self.next();
        let rest = self.text.get(self.pos..).unwrap_or("");
        match rest.find('\'') {
            Some(end) => {
                self.pos += end + 1;
                Ok(rest[..end].to_string())
            }
            None => {
                Err("unexpected end of statement while looking for matching single-quote".into())
            }
        }
    }

    fn double_quoted(&mut self, depth: usize, raw_escapes: bool) -> Result<String, String> {
        self.next();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    );
                }
                Some('"') => {
                    self.next();
                    return Ok(out);
                }
                Some('$') => {
                    let value = self.dollar(depth)?;
                    out.push_str(&value);
                }
                Some(_) => {
                    let mut c = self.next().unwrap_or_default();
                    if c == self.escape {
                        if raw_escapes {
                            out.push(c);
                        }
                        match self.peek() {
                            None => continue,
                            // Only these can be escaped in double quotes; any other
                            // escape character stays.
                            Some(next) if next == '"' || next == '$' || next == self.escape => {
                                c = next;
                                self.next();
                            }
                            Some(_) => {}
                        }
                    }
                    out.push(c);
                }
            }
            self.check_len(&out)?;
        }
    }

    /// A variable name after `$` or `${`: digits (positional), one special parameter, or
    /// letters, digits and `_`.
    fn name(&mut self) -> String {
        let mut name = String::new();
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.peek().filter(char::is_ascii_digit) {
                    name.push(c);
                    self.next();
                }
            }
            Some(c @ ('@' | '*' | '#' | '?' | '-' | '$' | '!')) => {
                name.push(c);
                self.next();
            }
            _ => {
                while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
                    name.push(c);
                    self.next();
                }
            }
        }
        name
    }

    fn lookup(&mut self, name: &str) -> Option<String> {
        let value = self.env.get(name).map(str::to_string);
        if value.is_none() && !self.unset.iter().any(|n| n == name) {
            self.unset.push(name.to_string());
        }
        value
    }

    fn dollar(&mut self, depth: usize) -> Result<String, String> {
        let start = self.pos;
        let value = self.dollar_value(depth)?;
        if self.keep_variables {
            return Ok(self.text.get(start..self.pos).unwrap_or("").to_string());
        }
        Ok(value)
    }

    fn dollar_value(&mut self, depth: usize) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(self.lookup(&name).unwrap_or_default());
        }
        if depth >= MAX_DEPTH {
            return Err(format!(
                "variable substitutions nested deeper than {MAX_DEPTH} levels"
            ));
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            Some(_) => {}
        }
        let name = self.name();
        let Some(modifier) = self.next() else {
            return Err("syntax error: missing '}'".into());
        };
        match modifier {
            '}' => Ok(self.lookup(&name).unwrap_or_default()),
            '/' => self.replace(&name, depth),
            ':' | '+' | '-' | '?' | '#' | '%' => {
                let null_is_unset = modifier == ':';
                let op = if null_is_unset {
                    self.next().ok_or("syntax error: missing '}'")?
                } else {
                    modifier
                };
                let word = self.word_until_brace(depth, op == '#' || op == '%')?;
                let value = self.lookup(&name);
                let empty = value.as_deref().is_none_or(str::is_empty);
                let missing = value.is_none() || (null_is_unset && empty);
                match op {
                    '-' => Ok(if missing {
                        word
                    } else {
                        value.unwrap_or_default()
                    }),
                    '+' => Ok(if missing { String::new() } else { word }),
                    // Docker stops the build here; statically the variable may well be
                    // set by a build argument, so it is reported as unset, not as an
                    // error.
                    '?' => Ok(value.unwrap_or_default()),
                    '#' | '%' => {
                        let (greedy, pattern) = match word.strip_prefix(op) {
                            Some(rest) => (true, rest),
                            None => (false, word.as_str()),
                        };
                        self.trim(&value.unwrap_or_default(), pattern, greedy, op == '#')
                    }
                    _ => {
                        let shown = if null_is_unset {
                            format!(":{op}")
                        } else {
                            op.to_string()
                        };
                        Err(format!("unsupported modifier ({shown}) in substitution"))
                    }
                }
            }
            other => Err(format!("unsupported modifier ({other}) in substitution")),
        }
    }

    fn word_until_brace(&mut self, depth: usize, raw_escapes: bool) -> Result<String, String> {
        self.until(Some('}'), depth + 1, raw_escapes)
            .map_err(|error| {
                if self.peek().is_none() {
                    "syntax error: missing '}'".to_string()
                } else {
                    error
                }
            })
    }

    /// `${VAR#pat}` (prefix) and `${VAR%pat}` (suffix); doubled for the longest match.
    fn trim(
        &mut self,
        value: &str,
        pattern: &str,
        greedy: bool,
        prefix: bool,
    ) -> Result<String, String> {
        if self.keep_variables {
            // Quote removal only: the construct is copied as written by the caller.
            return Ok(String::new());
        }
        let mut tokens = compile(pattern)?;
        let mut chars: Vec<char> = value.chars().collect();
        self.charge(chars.len(), tokens.len())?;
        if !prefix {
            // A suffix of the value is a prefix of the reversed value.
            tokens.reverse();
            chars.reverse();
        }
        let cut = match_prefixes(&tokens, &chars, greedy);
        let Some(cut) = cut else {
            return Ok(value.to_string());
        };
        Ok(if prefix {
            chars[cut..].iter().collect()
        } else {
            chars[cut..].iter().rev().collect()
        })
    }

    /// `${VAR/pat/repl}` (first match) and `${VAR//pat/repl}` (every match); a match is
    /// the longest one at the leftmost position.
    fn replace(&mut self, name: &str, depth: usize) -> Result<String, String> {
        let all = self.peek() == Some('/');
        if all {
            self.next();
        }
        let pattern = self.until(Some('/'), depth + 1, true).map_err(|error| {
            if self.peek().is_none() {
                "syntax error: missing '/' in ${}".to_string()
            } else {
                error
            }
        })?;
        let replacement = self.word_until_brace(depth, true)?;
        if self.keep_variables {
            return Ok(String::new());
        }
        let value = self.lookup(name).unwrap_or_default();
        let tokens = compile(&pattern)?;
        let chars: Vec<char> = value.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i <= chars.len() {
            self.charge(chars.len() - i, tokens.len())?;
            match match_prefixes(&tokens, &chars[i..], true) {
                Some(len) => {
                    out.push_str(&replacement);
                    self.check_len(&out)?;
                    if len == 0 {
                        // An empty match moves on by one character, as Go's regexp does.
                        if let Some(c) = chars.get(i) {
                            out.push(*c);
                        }
                        i += 1;
                    } else {
                        i += len;
                    }
                    if !all {
                        out.extend(chars.get(i..).unwrap_or(&[]));
                        return Ok(out);
                    }
                }
                None => {
                    if let Some(c) = chars.get(i) {
                        out.push(*c);
                    }
                    i += 1;
                }
            }
        }
        Ok(out)
    }

    /// Spends the steps of matching `tokens` over `chars` characters.
    fn charge(&mut self, chars: usize, tokens: usize) -> Result<(), String> {
        let steps = (chars + 1).saturating_mul(tokens + 1);
        if chars > MAX_PATTERN_VALUE || steps > self.budget.steps_left {
            return Err("pattern substitution too costly; refusing to expand it".into());
        }
        self.budget.steps_left -= steps;
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `*`: any run of characters.
    Star,
    /// `?`: one character.
    One,
    Char(char),
}

/// Reads a shell pattern. `\` escapes `*`, `?` and `\`; before `}` and `/` it is dropped.
fn compile(pattern: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' => Token::Star,
            '?' => Token::One,
            '\\' => match chars.peek().copied() {
                Some('}' | '/') => continue,
                Some(next @ ('*' | '?' | '\\')) => {
                    chars.next();
                    Token::Char(next)
                }
                Some(other) => {
                    return Err(format!(
                        "invalid pattern ({pattern}) in substitution: invalid escape '\\{other}'"
                    ));
                }
                None => {
                    return Err(format!(
                        "invalid pattern ({pattern}) in substitution: trailing backslash"
                    ));
                }
            },
            other => Token::Char(other),
        });
    }
    Ok(tokens)
}

/// Lengths of the prefixes of `chars` that `tokens` match entirely: the shortest, or the
/// longest when `greedy`. Runs the pattern as a set of states over the characters, so
/// the work is characters × tokens whatever the pattern.
fn match_prefixes(tokens: &[Token], chars: &[char], greedy: bool) -> Option<usize> {
    let mut states = vec![false; tokens.len() + 1];
    states[0] = true;
    close(tokens, &mut states);
    let accepting = |states: &[bool]| states.last().copied().unwrap_or(false);
    let mut found = accepting(&states).then_some(0);
    if found.is_some() && !greedy {
        return found;
    }
    let mut next = vec![false; tokens.len() + 1];
    for (i, &c) in chars.iter().enumerate() {
        next.iter_mut().for_each(|s| *s = false);
        let mut alive = false;
        for (j, token) in tokens.iter().enumerate() {
            if !states[j] {
                continue;
            }
            match *token {
                Token::Star => next[j] = true,
                Token::One => next[j + 1] = true,
                Token::Char(t) if t == c => next[j + 1] = true,
                Token::Char(_) => {}
            }
            alive = true;
        }
        if !alive {
            break;
        }
        close(tokens, &mut next);
        std::mem::swap(&mut states, &mut next);
        if accepting(&states) {
            found = Some(i + 1);
            if !greedy {
                return found;
            }
        }
    }
    found
}

/// A star also matches nothing: a state before a star reaches the state after it.
fn close(tokens: &[Token], states: &mut [bool]) {
    for j in 0..tokens.len() {
        if states[j] && tokens[j] == Token::Star {
            states[j + 1] = true;
        }
    }
}
