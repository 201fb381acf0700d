//! Stages, variable substitution and hostile input.

use super::*;

// ---- stages --------------------------------------------------------------------------

#[test]
fn stages_have_indices_names_and_bodies() {
    let text = "ARG GO=1.22\nARG BASE\nFROM golang:${GO} AS Builder\nRUN go build\nFROM alpine:latest\nCOPY --from=builder /out /bin/\nUSER root\nFROM BUILDER AS final\n";
    let df = clean(text);
    assert_eq!(df.global_args, [0, 1]);
    assert_eq!(df.global_arg_instructions().count(), 2);
    assert_eq!(df.stages.len(), 3);
    let builder = &df.stages[0];
    assert_eq!(builder.index, 0);
    assert_eq!(builder.name.as_deref(), Some("builder"));
    assert_eq!(builder.image.text, "golang:${GO}");
    assert_eq!(builder.image_resolved, "golang:1.22");
    assert_eq!(builder.from, 2);
    assert_eq!(builder.body, 3..4);
    let runtime = &df.stages[1];
    assert_eq!(runtime.name, None);
    assert_eq!(runtime.image.span, span(5, 6, 5, 19));
    let kinds: Vec<Keyword> = df.stage_instructions(1).iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [Keyword::Copy, Keyword::User]);
    assert_eq!(df.instructions[6].stage, Some(1));
    assert_eq!(df.instructions[0].stage, None);
    // Stage names compare without case, so `FROM BUILDER` builds on stage 0.
    assert_eq!(df.stages[2].parent, Some(0));
    assert_eq!(df.stage_named("FINAL").map(|s| s.index), Some(2));
    let from = from(&df.instructions[7]);
    assert_eq!(from.as_keyword.as_ref().unwrap().span, span(8, 14, 8, 16));
    assert_eq!(from.name.as_ref().unwrap().span, span(8, 17, 8, 22));
}

#[test]
fn bad_stages_are_problems() {
    let df =
        parse("RUN early\nFROM a AS x\nFROM b AS X\nFROM c AS 1st\nFROM d e\nFROM e AS\nFROM\n");
    assert_eq!(
        messages(&df),
        [
            "no build stage in current context: only ARG may come before the first FROM",
            "duplicate stage name 'x', stage names should be unique",
            "invalid name for build stage: \"1st\", name can't start with a number or contain symbols",
            "FROM requires either one or three arguments",
            "FROM requires either one or three arguments",
            "FROM requires either one or three arguments",
        ]
    );
    assert_eq!(df.problems[1].span, span(3, 11, 3, 12));
    assert_eq!(df.stages.len(), 6);
    assert_eq!(df.stages[5].image.text, "");
}

#[test]
fn empty_files_and_files_without_from_are_problems() {
    assert_eq!(messages(&parse("")), ["file with no instructions"]);
    assert_eq!(
        messages(&parse("# only a comment\n\n")),
        ["file with no instructions"]
    );
    assert_eq!(
        messages(&parse("ARG A=1\n")),
        ["dockerfile contains no stages to build (no FROM instruction)"]
    );
}

// ---- substitution --------------------------------------------------------------------

#[test]
fn substitution_forms_follow_docker() {
    let text = "FROM a\nARG SET=value EMPTY=\nARG UNSET\nLABEL a=$SET b=${SET} c=${UNSET:-dflt} d=${EMPTY:-dflt} e=${EMPTY-dflt} f=${SET:+alt} g=${EMPTY:+alt} h=${EMPTY+alt} i=${UNSET+alt} j=\\$SET k='$SET' l=\"$SET\" m=${SET#va} n=${SET%%l*} o=${SET/a/A} p=$ q=${UNSET:-${SET:-x}}\n";
    let df = clean(text);
    let resolved = df.resolve(&[]);
    let values: Vec<&str> = resolved_words(&resolved, 3)
        .chunks(2)
        .map(|pair| pair[1])
        .collect();
    assert_eq!(
        values,
        [
            "value", "value", "dflt", "dflt", "", "alt", "", "alt", "", "$SET", "$SET", "value",
            "lue", "va", "vAlue", "$", "value"
        ]
    );
    let c = &resolved.instructions[3].words[5];
    assert_eq!(c.unset, ["UNSET"]);
    assert_eq!(c.span, span(4, 25, 4, 39));
}

#[test]
fn backtick_escape_escapes_dollar_signs() {
    let df = clean("# escape=`\nFROM a\nENV A=x\nWORKDIR `$A/$A\n");
    let resolved = df.resolve(&[]);
    assert_eq!(resolved_words(&resolved, 2), ["$A/x"]);
}

#[test]
fn from_sees_global_args_only_and_stage_args_inherit_global_defaults() {
    let text = "ARG TAG=3.19\nARG REG=docker.io\nFROM ${REG}/alpine:${TAG}\nENV TAG=edge\nARG TAG\nARG REG=ghcr.io\nUSER ${TAG}-${REG}\nFROM alpine:${TAG} AS two\nARG TAG\nENV X=$TAG\nARG Y=$X\nRUN echo $TAG\nUSER $Y\n";
    let df = clean(text);
    assert_eq!(df.stages[0].image_resolved, "docker.io/alpine:3.19");
    // ENV wins over ARG; a stage ARG default beats the global one.
    let resolved = df.resolve(&[]);
    assert_eq!(resolved_words(&resolved, 6), ["edge-ghcr.io"]);
    // ENV of another stage does not leak; FROM still uses the global value.
    assert_eq!(df.stages[1].image_resolved, "alpine:3.19");
    assert_eq!(resolved_words(&resolved, 12), ["3.19"]);
    // RUN is left to the shell.
    assert!(!resolved.instructions[11].substituted);
    assert_eq!(resolved_words(&resolved, 11), ["echo $TAG"]);
}

#[test]
fn build_args_override_defaults_and_undeclared_args_are_unset() {
    let text = "ARG IMAGE=alpine\nFROM ${IMAGE}:${TAG}\nARG IMAGE\nARG USER=app\nUSER $USER\n";
    let df = clean(text);
    assert_eq!(df.stages[0].image_resolved, "alpine:");
    let resolved = df.resolve(&[("IMAGE", "debian"), ("USER", "root"), ("TAG", "12")]);
    assert_eq!(resolved.stages[0].image.value, "debian:");
    assert_eq!(resolved.stages[0].image.unset, ["TAG"]);
    assert_eq!(resolved_words(&resolved, 4), ["root"]);
}

#[test]
fn env_pairs_see_the_values_from_before_the_instruction() {
    let text = "FROM a\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n";
    let df = clean(text);
    let resolved = df.resolve(&[]);
    assert_eq!(resolved_words(&resolved, 2), ["abc", "bye", "def", "hello"]);
    assert_eq!(resolved_words(&resolved, 3), ["ghi", "bye"]);
}

#[test]
fn stages_inherit_env_from_the_stage_they_build_on() {
    let text = "FROM alpine AS base\nENV HOME_DIR=/srv\nFROM base\nWORKDIR $HOME_DIR\n";
    let df = clean(text);
    let resolved = df.resolve(&[]);
    assert_eq!(resolved_words(&resolved, 3), ["/srv"]);
    assert_eq!(resolved.stages[1].base_image, "alpine");
}

#[test]
fn copy_words_and_flags_are_substituted() {
    let text = "FROM a\nARG SRC=\"my dir\" OWNER=app\nCOPY --chown=$OWNER:$OWNER [\"$SRC/x\", \"/dst/\"]\nADD \"${SRC}\" /d\n";
    let df = clean(text);
    let resolved = df.resolve(&[]);
    assert_eq!(resolved_words(&resolved, 2), ["my dir/x", "/dst/"]);
    assert_eq!(
        resolved.instructions[2].flags[0].as_ref().unwrap().value,
        "app:app"
    );
    assert_eq!(resolved_words(&resolved, 3), ["my dir", "/d"]);
}

#[test]
fn bad_substitutions_are_problems() {
    let df = parse("FROM a\nUSER ${}\nWORKDIR ${X\nCOPY \"a b\" /c\nLABEL x=${A:=b}\n");
    assert_eq!(
        messages(&df),
        [
            "syntax error: bad substitution (in `${}`)",
            "syntax error: missing '}' (in `${X`)",
            "unexpected end of statement while looking for matching double-quote (in `\"a`)",
            "unexpected end of statement while looking for matching double-quote (in `b\"`)",
            "unsupported modifier (:=) in substitution (in `${A:=b}`)",
        ]
    );
    assert_eq!(df.problems[0].span, span(2, 6, 2, 9));
}

#[test]
fn unquote_removes_quotes_and_keeps_variables() {
    assert_eq!(
        unquote("\"a b\"'c'\\ d$X${Y:-\"z\"}", '\\').as_deref(),
        Some("a bc d$X${Y:-\"z\"}")
    );
    assert_eq!(unquote("\"open", '\\'), None);
    assert_eq!(
        unquote("${A#*}${B//x/y}", '\\').as_deref(),
        Some("${A#*}${B//x/y}")
    );
    assert_eq!(unquote("${:}", '\\'), None);
}

// ---- hostile input --------------------------------------------------------------------

#[test]
fn deep_substitution_nesting_is_refused() {
    let depth = 100_000;
    let word = format!("{}x{}", "${A:-".repeat(depth), "}".repeat(depth));
    let df = parse(&format!("FROM a\nUSER {word}\n"));
    assert_eq!(df.problems.len(), 1);
    assert!(
        df.problems[0]
            .message
            .starts_with("variable substitutions nested deeper than 32 levels"),
        "{}",
        df.problems[0].message
    );
}

#[test]
fn exponential_env_growth_is_capped() {
    let mut text = String::from("FROM a\nENV A0=xxxxxxxxxxxxxxxx\n");
    for i in 1..40 {
        let prev = i - 1;
        text.push_str(&format!("ENV A{i}=$A{prev}$A{prev}$A{prev}$A{prev}\n"));
    }
    let df = parse(&text);
    assert!(!df.problems.is_empty());
    assert!(df.problems[0].message.contains("refusing to expand"));
}

#[test]
fn huge_and_broken_inputs_finish() {
    let long_line = format!("FROM a\nRUN {}\n", "x ".repeat(500_000));
    assert_eq!(parse(&long_line).instructions.len(), 2);
    let many_words = format!("FROM a\nEXPOSE {}\n", "1 ".repeat(200_000));
    assert_eq!(list(&parse(&many_words).instructions[1]).len(), 200_000);
    let nested_json = format!("FROM a\nCMD {}\n", "[".repeat(200_000));
    assert_eq!(parse(&nested_json).instructions.len(), 2);
    let onbuilds = format!("FROM a\n{}RUN x\n", "ONBUILD ".repeat(100_000));
    assert_eq!(parse(&onbuilds).instructions.len(), 2);
    let unicode = format!("FROM a\nLABEL k=\"{}\n", "é".repeat(300_000));
    assert_eq!(parse(&unicode).instructions.len(), 2);
    let patterns = format!(
        "FROM a\nARG V={}\nUSER ${{V//*a*a*a*a*/b}}\n",
        "a".repeat(4000)
    );
    assert_eq!(parse(&patterns).instructions.len(), 3);
}
