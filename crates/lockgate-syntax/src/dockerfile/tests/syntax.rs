//! Lines, directives, keywords, flags, exec and shell form, pairs, heredocs, ONBUILD
//! and HEALTHCHECK.

use super::*;

// ---- parser directives -------------------------------------------------------------

#[test]
fn directives_at_the_top_are_read_case_insensitively() {
    let df = clean(
        "# Syntax = docker/dockerfile:1.7\n#CHECK=skip=JSONArgsRecommended\n#  escape=\\\nFROM scratch\n",
    );
    let names: Vec<&str> = df.directives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["syntax", "check", "escape"]);
    let syntax = df.directive("syntax").unwrap();
    assert_eq!(syntax.value.text, "docker/dockerfile:1.7");
    assert_eq!(syntax.value.span, span(1, 12, 1, 33));
    assert_eq!(syntax.span, span(1, 1, 1, 33));
    assert_eq!(
        df.directive("check").unwrap().value.text,
        "skip=JSONArgsRecommended"
    );
    assert_eq!(df.escape, '\\');
}

#[test]
fn directives_end_at_the_first_comment_blank_line_or_instruction() {
    // After a plain comment, after a blank line, after an instruction: all comments.
    for text in [
        "# a comment\n# escape=`\nFROM a\n",
        "\n# escape=`\nFROM a\n",
        "FROM a\n# escape=`\n",
        "# unknowndirective=x\n# escape=`\nFROM a\n",
    ] {
        let df = clean(text);
        assert!(df.directives.is_empty(), "{text:?}");
        assert_eq!(df.escape, '\\');
    }
}

#[test]
fn a_directive_may_appear_once_and_escape_must_be_backslash_or_backtick() {
    let df = parse("# syntax=a\n# SYNTAX=b\nFROM x\n");
    assert_eq!(
        messages(&df),
        ["only one syntax parser directive can be used"]
    );
    assert_eq!(df.problems[0].span, span(2, 1, 2, 11));
    assert_eq!(df.directives.len(), 1);

    let df = parse("# escape=x\nFROM x\n");
    assert_eq!(
        messages(&df),
        ["invalid escape token 'x' does not match ` or \\"]
    );
    assert_eq!(df.problems[0].span, span(1, 10, 1, 11));
    assert_eq!(df.escape, '\\');
}

#[test]
fn backtick_escape_continues_lines_and_leaves_backslashes_alone() {
    let df = clean(
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nCOPY testfile.txt c:\\ `\n    c:\\dest\\\nRUN dir c:\\\n",
    );
    assert_eq!(df.escape, '`');
    let copy = &df.instructions[1];
    assert_eq!(list(copy), ["testfile.txt", "c:\\", "c:\\dest\\"]);
    assert_eq!(copy.span, span(3, 1, 4, 13));
    assert_eq!(copy.text, "COPY testfile.txt c:\\     c:\\dest\\");
    // `\` at the end of a line is not a continuation under the backtick escape.
    assert_eq!(shell(&df.instructions[2]), "dir c:\\");
}

// ---- lines: comments, continuations, line ends ------------------------------------------

#[test]
fn continuation_lines_join_and_comments_inside_are_dropped() {
    let text = "FROM alpine\nRUN apk add \\   \n    # the web client\n    curl \\\n\n    && echo done\n# after\n  USER   nobody  \n";
    let df = clean(text);
    let run = &df.instructions[1];
    assert_eq!(run.kind, Keyword::Run);
    assert_eq!(run.text, "RUN apk add     curl     && echo done");
    assert_eq!(shell(run), "apk add     curl     && echo done");
    assert_eq!(run.span, span(2, 1, 6, 17));
    assert_eq!(run.keyword.span, span(2, 1, 2, 4));
    if let Args::Shell(command) = &run.args {
        assert_eq!(command.span, span(2, 5, 6, 17));
    }
    let user = &df.instructions[2];
    assert_eq!(user.span, span(8, 3, 8, 16));
    assert_eq!(text_arg(user).text, "nobody");
    assert_eq!(text_arg(user).span, span(8, 10, 8, 16));
}

#[test]
fn an_escaped_escape_character_does_not_continue_the_line() {
    let df = clean("FROM a\nRUN echo \\\\\nRUN echo b\n");
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(shell(&df.instructions[1]), "echo \\\\");
}

#[test]
fn crlf_line_ends_and_a_bom_are_ignored() {
    let df = clean(
        "\u{feff}# syntax=x\r\nFROM alpine:3.19 AS base\r\nRUN echo a \\\r\n  b\r\nUSER root\r\n",
    );
    assert_eq!(df.directives[0].value.text, "x");
    assert_eq!(df.directives[0].span, span(1, 1, 1, 11));
    assert_eq!(from(&df.instructions[0]).image.span, span(2, 6, 2, 17));
    assert_eq!(shell(&df.instructions[1]), "echo a   b");
    assert_eq!(df.instructions[1].span, span(3, 1, 4, 4));
    assert_eq!(text_arg(&df.instructions[2]).text, "root");
    assert_eq!(text_arg(&df.instructions[2]).span, span(5, 6, 5, 10));
}

#[test]
fn columns_count_characters_not_bytes() {
    let df = clean("FROM a\nLABEL description=\"café ☕\" owner=é\n");
    let Args::Pairs(pairs) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(pairs[0].value.as_ref().unwrap().span, span(2, 19, 2, 27));
    assert_eq!(pairs[1].key.span, span(2, 28, 2, 33));
    assert_eq!(pairs[1].value.as_ref().unwrap().span, span(2, 34, 2, 35));
}

// ---- keywords ------------------------------------------------------------------------

#[test]
fn every_keyword_is_recognised_in_any_case() {
    let text = "arg V=1\nfrom alpine\nRun echo\ncmd echo\nlabel a=b\nmaintainer me\nexpose 80\nenv A=b\nadd a /b\ncopy a /b\nentrypoint [\"x\"]\nvolume /data\nuser app\nworkdir /app\nonbuild run x\nstopsignal SIGTERM\nhealthcheck NONE\nshell [\"sh\", \"-c\"]\n";
    let df = clean(text);
    let kinds: Vec<Keyword> = df.instructions.iter().map(|i| i.kind).collect();
    use Keyword::*;
    assert_eq!(
        kinds,
        [
            Arg,
            From,
            Run,
            Cmd,
            Label,
            Maintainer,
            Expose,
            Env,
            Add,
            Copy,
            Entrypoint,
            Volume,
            User,
            Workdir,
            Onbuild,
            Stopsignal,
            Healthcheck,
            Shell
        ]
    );
    assert_eq!(df.instructions[2].keyword.text, "Run");
    assert_eq!(Keyword::Stopsignal.as_str(), "STOPSIGNAL");
}

#[test]
fn unknown_keywords_are_kept_and_reported() {
    let df = parse("FROM a\nFOO bar baz\nRUN x\n");
    assert_eq!(df.instructions.len(), 3);
    let unknown = &df.instructions[1];
    assert_eq!(unknown.kind, Keyword::Unknown);
    assert_eq!(unknown.keyword.text, "FOO");
    assert_eq!(text_arg(unknown).text, "bar baz");
    assert_eq!(messages(&df), ["unknown instruction: FOO"]);
    assert_eq!(df.problems[0].span, span(2, 1, 2, 4));
}

#[test]
fn argument_counts_are_checked_like_docker() {
    let df = parse("FROM a\nUSER\nCOPY onlyone\nENV\nEXPOSE\nWORKDIR\nCMD\nRUN\n");
    assert_eq!(
        messages(&df),
        [
            "USER requires exactly one argument",
            "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
            "ENV requires at least one argument",
            "EXPOSE requires at least one argument",
            "WORKDIR requires exactly one argument",
        ]
    );
    assert_eq!(df.problems[1].span, span(3, 6, 3, 13));
}

// ---- flags ---------------------------------------------------------------------------

#[test]
fn flags_before_the_arguments_keep_name_value_and_spans() {
    let text = "FROM --platform=linux/amd64 golang:1.22 AS build\nRUN --mount=type=cache,target=/go --mount=type=secret,id=npm --network=none --security=insecure go build\nCOPY --from=build --chown=app:app --chmod=0755 --link --exclude=*.md --exclude=*.txt /out /bin/\nADD --checksum=sha256:abc --keep-git-dir=true https://x/y.tar /y\nHEALTHCHECK --interval=30s --timeout=3s --start-period=1m --start-interval=5s --retries=3 CMD curl -f http://localhost/\n";
    let df = clean(text);
    let platform = df.instructions[0].flag("platform").unwrap();
    assert_eq!(platform.name.span, span(1, 8, 1, 16));
    assert_eq!(platform.value.as_ref().unwrap().text, "linux/amd64");
    assert_eq!(platform.value.as_ref().unwrap().span, span(1, 17, 1, 28));
    assert_eq!(platform.span, span(1, 6, 1, 28));
    assert_eq!(from(&df.instructions[0]).image.text, "golang:1.22");

    let run = &df.instructions[1];
    let names: Vec<&str> = run.flags.iter().map(|f| f.name.text.as_str()).collect();
    assert_eq!(names, ["mount", "mount", "network", "security"]);
    assert_eq!(
        run.flags[1].value.as_ref().unwrap().text,
        "type=secret,id=npm"
    );
    assert_eq!(shell(run), "go build");

    let copy = &df.instructions[2];
    assert_eq!(
        copy.flag("from").unwrap().value.as_ref().unwrap().text,
        "build"
    );
    assert_eq!(copy.flag("link").unwrap().value, None);
    assert_eq!(
        copy.flag("chmod").unwrap().value.as_ref().unwrap().text,
        "0755"
    );
    assert_eq!(copy.flags.len(), 6);
    assert_eq!(list(copy), ["/out", "/bin/"]);

    assert_eq!(
        df.instructions[3]
            .flag("checksum")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .text,
        "sha256:abc"
    );
    let check = &df.instructions[4];
    assert_eq!(check.flags.len(), 5);
    assert_eq!(
        check.shell_command().map(|w| w.text.as_str()),
        Some("curl -f http://localhost/")
    );
}

#[test]
fn flag_values_lose_their_quotes_and_a_double_dash_ends_the_flags() {
    let df = clean("FROM a\nCOPY --chown=\"app user\":'grp' -- --weird-name /dst\n");
    let copy = &df.instructions[1];
    let chown = copy.flag("chown").unwrap();
    assert_eq!(chown.value.as_ref().unwrap().text, "app user:grp");
    assert_eq!(chown.span, span(2, 6, 2, 30));
    assert_eq!(list(copy), ["--weird-name", "/dst"]);
}

#[test]
fn bad_flags_are_problems() {
    let df = parse(
        "FROM --plat=x a\nCOPY --from=a --from=b --link=maybe --chown x /y\nRUN --mount x\nHEALTHCHECK --interval=0s --retries=0 --timeout=5 CMD true\nCMD --help\n",
    );
    assert_eq!(
        messages(&df),
        [
            "unknown flag: plat",
            "duplicate flag specified: from",
            "expecting boolean value for flag link, not: maybe",
            "missing a value on flag: chown",
            "missing a value on flag: mount",
            "Interval \"interval\" cannot be less than 1ms",
            "--retries must be at least 1 (not 0)",
            "time: invalid duration \"5\"",
            "unknown flag: help",
        ]
    );
    assert_eq!(df.problems[0].span, span(1, 6, 1, 14));
    assert_eq!(df.problems[1].span, span(2, 15, 2, 23));
}

// ---- exec and shell form ---------------------------------------------------------------

#[test]
fn exec_form_elements_are_decoded_with_their_spans() {
    let df = clean(
        "FROM a\nENTRYPOINT [ \"/bin/sh\", \"-c\", \"echo \\\"hi\\\" \\u00e9\\ud83d\\ude00\" ]\nCMD []\n",
    );
    let entrypoint = &df.instructions[1];
    assert!(entrypoint.is_exec_form());
    assert_eq!(exec(entrypoint), ["/bin/sh", "-c", "echo \"hi\" é😀"]);
    let Args::Exec(words) = &entrypoint.args else {
        panic!()
    };
    assert_eq!(words[0].span, span(2, 14, 2, 23));
    assert_eq!(words[1].span, span(2, 25, 2, 29));
    assert_eq!(exec(&df.instructions[2]), Vec::<&str>::new());
}

#[test]
fn invalid_json_falls_back_to_shell_form() {
    let df = clean(
        "FROM a\nCMD [\"unterminated\nRUN [echo, hi]\nCMD ['single']\nCOPY [\"a\" \"b\"] /c\n",
    );
    assert_eq!(shell(&df.instructions[1]), "[\"unterminated");
    assert_eq!(shell(&df.instructions[2]), "[echo, hi]");
    assert_eq!(shell(&df.instructions[3]), "['single']");
    assert!(!df.instructions[3].is_exec_form());
    assert_eq!(list(&df.instructions[4]), ["[\"a\"", "\"b\"]", "/c"]);
}

#[test]
fn text_after_the_json_array_is_ignored_as_docker_ignores_it() {
    let df = clean("FROM a\nCMD [\"a\", \"b\"] trailing\n");
    assert_eq!(exec(&df.instructions[1]), ["a", "b"]);
}

#[test]
fn json_arrays_of_non_strings_are_problems() {
    let df = parse("FROM a\nCMD [\"a\", 1, {\"k\": [true]}]\n");
    assert_eq!(
        messages(&df),
        ["when using JSON array syntax, arrays must be comprised of strings only"]
    );
    assert_eq!(exec(&df.instructions[1]), ["a"]);
}

#[test]
fn copy_add_and_volume_take_json_or_word_lists() {
    let df = clean(
        "FROM a\nCOPY [\"package.json\", \"yarn.lock\", \"/app/\"]\nADD \"/target/app.jar\"   app.jar\nVOLUME [\"/data\", \"/logs\"]\nVOLUME /a /b\nEXPOSE 80/tcp 443\n",
    );
    assert_eq!(
        exec(&df.instructions[1]),
        ["package.json", "yarn.lock", "/app/"]
    );
    // Shell-form words keep their quotes; Docker removes them during substitution.
    assert_eq!(
        list(&df.instructions[2]),
        ["\"/target/app.jar\"", "app.jar"]
    );
    assert_eq!(exec(&df.instructions[3]), ["/data", "/logs"]);
    assert_eq!(list(&df.instructions[4]), ["/a", "/b"]);
    assert_eq!(list(&df.instructions[5]), ["80/tcp", "443"]);
    let Args::List(ports) = &df.instructions[5].args else {
        panic!()
    };
    assert_eq!(ports[1].span, span(6, 15, 6, 18));
}

#[test]
fn shell_requires_json_and_volume_no_empty_paths() {
    let df = parse("FROM a\nSHELL powershell -command\nSHELL []\nVOLUME [\"\"]\n");
    assert_eq!(
        messages(&df),
        [
            "SHELL requires the arguments to be in JSON form",
            "SHELL requires at least one argument",
            "VOLUME specified can not be an empty string",
        ]
    );
}

// ---- ENV, LABEL, ARG ------------------------------------------------------------------

#[test]
fn env_and_label_pairs_keep_quotes_escapes_and_spans() {
    let text = "FROM a\nENV A=1 B=\"two words\" C='it''s' D=a\\ b E=\nLABEL \"com.example.vendor\"=\"ACME Inc\" version=1.0\n";
    let df = clean(text);
    assert_eq!(
        pairs(&df.instructions[1]),
        [
            ("A", Some("1")),
            ("B", Some("\"two words\"")),
            ("C", Some("'it''s'")),
            ("D", Some("a\\ b")),
            ("E", Some("")),
        ]
    );
    let Args::Pairs(env) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(env[1].key.span, span(2, 9, 2, 10));
    assert_eq!(env[1].value.as_ref().unwrap().span, span(2, 11, 2, 22));
    assert_eq!(env[1].span, span(2, 9, 2, 22));
    assert_eq!(env[4].value.as_ref().unwrap().span, span(2, 42, 2, 42));
    assert_eq!(
        pairs(&df.instructions[2]),
        [
            ("\"com.example.vendor\"", Some("\"ACME Inc\"")),
            ("version", Some("1.0"))
        ]
    );
    let resolved = df.resolve(&[]);
    assert_eq!(
        resolved_words(&resolved, 1),
        ["A", "1", "B", "two words", "C", "its", "D", "a b", "E", ""]
    );
    assert_eq!(
        resolved_words(&resolved, 2),
        ["com.example.vendor", "ACME Inc", "version", "1.0"]
    );
}

#[test]
fn legacy_env_and_label_take_the_rest_of_the_line() {
    let df = clean("FROM a\nENV PATH /usr/local/bin:$PATH  extra\nLABEL maintainer Jane Doe\n");
    assert_eq!(
        pairs(&df.instructions[1]),
        [("PATH", Some("/usr/local/bin:$PATH  extra"))]
    );
    let Args::Pairs(env) = &df.instructions[1].args else {
        panic!()
    };
    assert!(env[0].legacy);
    assert_eq!(env[0].value.as_ref().unwrap().span, span(2, 10, 2, 37));
    assert_eq!(
        pairs(&df.instructions[2]),
        [("maintainer", Some("Jane Doe"))]
    );
}

#[test]
fn malformed_pairs_are_problems() {
    let df = parse("FROM a\nENV ONLYKEY\nENV A=1 B\nLABEL =x\nARG =y\n");
    assert_eq!(
        messages(&df),
        [
            "ENV must have two arguments",
            "Syntax error - can't find = in \"B\". Must be of the form: name=value",
            "LABEL names can not be blank",
            "ARG names can not be blank",
        ]
    );
}

#[test]
fn arg_declares_names_with_optional_defaults() {
    let df = clean("ARG VERSION=1.2 NODEBUG\nFROM a\nARG USER=\"app user\" EMPTY=\n");
    assert_eq!(
        pairs(&df.instructions[0]),
        [("VERSION", Some("1.2")), ("NODEBUG", None)]
    );
    assert_eq!(
        pairs(&df.instructions[2]),
        [("USER", Some("\"app user\"")), ("EMPTY", Some(""))]
    );
}

// ---- heredocs ------------------------------------------------------------------------

#[test]
fn run_heredoc_body_belongs_to_the_instruction() {
    let text = "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nUSER app\n";
    let df = clean(text);
    let run = &df.instructions[1];
    assert_eq!(shell(run), "<<EOF");
    assert_eq!(run.heredocs.len(), 1);
    let heredoc = &run.heredocs[0];
    assert_eq!(heredoc.name, "EOF");
    assert_eq!(heredoc.body, "apt-get update\napt-get install -y curl\n");
    assert!(heredoc.expand);
    assert!(!heredoc.strip_tabs);
    assert_eq!(heredoc.fd, None);
    assert_eq!(heredoc.marker.span, span(2, 5, 2, 10));
    assert_eq!(heredoc.body_span, span(3, 1, 4, 24));
    assert_eq!(heredoc.terminator, Some(span(5, 1, 5, 4)));
    assert_eq!(run.span, span(2, 1, 5, 4));
    assert_eq!(df.instructions[2].kind, Keyword::User);
}

#[test]
fn dash_heredocs_strip_leading_tabs_and_quoted_delimiters_do_not_expand() {
    let text = "FROM a\nRUN <<-'SCRIPT' bash\n\tif true; then\n\t\techo $HOME\n\tfi\n\tSCRIPT\nRUN 3<<\"X\" cat\n\tkeep tabs\nX\n";
    let df = clean(text);
    let first = &df.instructions[1].heredocs[0];
    assert_eq!(first.name, "SCRIPT");
    assert!(first.strip_tabs);
    assert!(!first.expand);
    assert_eq!(first.body, "if true; then\necho $HOME\nfi\n");
    assert_eq!(first.terminator, Some(span(6, 2, 6, 8)));
    let second = &df.instructions[2].heredocs[0];
    assert_eq!(second.fd, Some(3));
    assert!(!second.expand);
    assert_eq!(second.body, "\tkeep tabs\n");
}

#[test]
fn several_heredocs_on_one_line_are_read_in_order() {
    let text = "FROM a\nRUN <<FILE1 cat > /a && <<FILE2 cat > /b\none\nFILE1\ntwo\nFILE2\n";
    let df = clean(text);
    let run = &df.instructions[1];
    let names: Vec<&str> = run.heredocs.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["FILE1", "FILE2"]);
    assert_eq!(run.heredocs[0].body, "one\n");
    assert_eq!(run.heredocs[1].body, "two\n");
    assert_eq!(run.heredocs[1].marker.span, span(2, 25, 2, 32));
    assert_eq!(run.span, span(2, 1, 6, 6));
}

#[test]
fn copy_heredoc_is_a_source_and_its_body_is_substituted() {
    let text = "FROM a\nARG NAME=world\nCOPY --chmod=0644 <<EOF /etc/greeting\nhello ${NAME} \"quoted\" \\$HOME\nEOF\nCOPY <<'RAW' /raw\n$NAME\nRAW\n";
    let df = clean(text);
    let copy = &df.instructions[2];
    assert_eq!(list(copy), ["<<EOF", "/etc/greeting"]);
    assert_eq!(copy.heredocs[0].body, "hello ${NAME} \"quoted\" \\$HOME\n");
    let resolved = df.resolve(&[]);
    assert_eq!(
        resolved.instructions[2].heredocs,
        ["hello world \"quoted\" $HOME\n"]
    );
    assert_eq!(resolved.instructions[3].heredocs, ["$NAME\n"]);
}

#[test]
fn heredocs_need_a_shell_form_word_of_their_own() {
    // Exec form takes no heredocs; `cat<<EOF` is one word that does not start with `<<`;
    // a quoted `<<EOF` is not a marker.
    let df = clean("FROM a\nRUN [\"<<EOF\"]\nRUN cat<<EOF\nRUN echo '<<EOF'\nCMD <<EOF\n");
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
    assert_eq!(df.instructions.len(), 5);
}

#[test]
fn an_unterminated_heredoc_runs_to_the_end_and_is_reported() {
    let df = parse("FROM a\nRUN <<EOF\necho a\nUSER root\n");
    assert_eq!(messages(&df), ["unterminated heredoc `EOF`"]);
    assert_eq!(df.problems[0].span, span(2, 5, 2, 10));
    let run = &df.instructions[1];
    assert_eq!(run.heredocs[0].body, "echo a\nUSER root\n");
    assert_eq!(run.heredocs[0].terminator, None);
    assert_eq!(run.span, span(2, 1, 4, 10));
    assert_eq!(df.instructions.len(), 2);

    let df = parse("FROM a\nCOPY <<EOF /x");
    let heredoc = &df.instructions[1].heredocs[0];
    assert_eq!(heredoc.body, "");
    assert_eq!(heredoc.body_span, span(2, 11, 2, 11));
}

#[test]
fn copy_to_a_heredoc_destination_is_a_problem() {
    let df = parse("FROM a\nCOPY x <<EOF\nbody\nEOF\n");
    assert_eq!(
        messages(&df),
        ["COPY cannot accept a heredoc as a destination"]
    );
}

// ---- ONBUILD and HEALTHCHECK --------------------------------------------------------------

#[test]
fn onbuild_triggers_are_parsed_as_instructions() {
    let df = clean("FROM a\nONBUILD COPY --chown=app . /src\nonbuild RUN <<EOF\nmake\nEOF\n");
    let Args::Onbuild(inner) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(inner.kind, Keyword::Copy);
    assert_eq!(inner.keyword.span, span(2, 9, 2, 13));
    assert_eq!(
        inner.flag("chown").unwrap().value.as_ref().unwrap().text,
        "app"
    );
    assert_eq!(list(inner), [".", "/src"]);
    assert_eq!(inner.stage, Some(0));
    let Args::Onbuild(run) = &df.instructions[2].args else {
        panic!()
    };
    assert_eq!(run.heredocs[0].body, "make\n");
    assert_eq!(df.instructions[2].span, span(3, 1, 5, 4));
    // Docker leaves ONBUILD triggers to the child build.
    let resolved = df.resolve(&[]);
    assert!(!resolved.instructions[1].substituted);
}

#[test]
fn onbuild_rejects_chaining_and_from() {
    let df = parse("FROM a\nONBUILD ONBUILD RUN x\nONBUILD FROM b\nONBUILD\n");
    assert_eq!(
        messages(&df),
        [
            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            "FROM isn't allowed as an ONBUILD trigger",
            "ONBUILD requires at least one argument",
        ]
    );
    // The trigger's FROM does not start a stage.
    assert_eq!(df.stages.len(), 1);
}

#[test]
fn healthcheck_none_and_cmd() {
    let df = clean(
        "FROM a\nHEALTHCHECK NONE\nHEALTHCHECK --retries=2 CMD [\"/bin/check\", \"--fast\"]\n",
    );
    let Args::Healthcheck(none) = &df.instructions[1].args else {
        panic!()
    };
    assert_eq!(none.kind.text, "NONE");
    assert_eq!(*none.command, Args::Empty);
    assert!(df.instructions[2].is_exec_form());
    let Args::Healthcheck(cmd) = &df.instructions[2].args else {
        panic!()
    };
    assert_eq!(cmd.kind.span, span(3, 25, 3, 28));
    let df = parse("FROM a\nHEALTHCHECK NONE curl\nHEALTHCHECK PING x\nHEALTHCHECK CMD\n");
    assert_eq!(
        messages(&df),
        [
            "HEALTHCHECK NONE takes no arguments",
            "Unknown type \"PING\" in HEALTHCHECK (try CMD)",
            "Missing command after HEALTHCHECK CMD",
        ]
    );
}
