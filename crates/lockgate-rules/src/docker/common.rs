//! Helpers shared by the Dockerfile rules: stages, the instructions in them, images.

use lockgate_syntax::dockerfile::{Args, Dockerfile, Instruction, Keyword, Stage, Word, unquote};

/// The instructions of a stage after its FROM.
pub(crate) fn stage_body<'a>(dockerfile: &'a Dockerfile, stage: &Stage) -> &'a [Instruction] {
    dockerfile
        .instructions
        .get(stage.body.clone())
        .unwrap_or_default()
}

/// The FROM instruction of a stage.
pub(crate) fn stage_from<'a>(dockerfile: &'a Dockerfile, stage: &Stage) -> Option<&'a Instruction> {
    dockerfile.instructions.get(stage.from)
}

/// The words of an instruction's list or exec-form arguments (COPY, ADD, EXPOSE, VOLUME).
pub(crate) fn list_words(instruction: &Instruction) -> &[Word] {
    match &instruction.args {
        Args::List(words) | Args::Exec(words) => words,
        _ => &[],
    }
}

/// The value of a word with quotes and escapes removed (exec-form words are decoded
/// already); the text as written when a quote is left open.
pub(crate) fn plain(dockerfile: &Dockerfile, instruction: &Instruction, word: &Word) -> String {
    if instruction.is_exec_form() {
        return word.text.clone();
    }
    unquote(&word.text, dockerfile.escape).unwrap_or_else(|| word.text.clone())
}

/// The last USER of a stage, or of the stages it builds on (a stage that starts FROM an
/// earlier stage inherits its user). `None` when no USER is set anywhere on the way.
pub(crate) fn effective_user<'a>(
    dockerfile: &'a Dockerfile,
    stage: &'a Stage,
) -> Option<&'a Instruction> {
    let mut current = Some(stage);
    // Each step goes to an earlier stage, so this ends; the bound guards a malformed chain.
    for _ in 0..=dockerfile.stages.len() {
        let stage = current?;
        if let Some(user) = stage_body(dockerfile, stage)
            .iter()
            .rev()
            .find(|i| i.kind == Keyword::User)
        {
            return Some(user);
        }
        current = stage
            .parent
            .filter(|&parent| parent < stage.index)
            .and_then(|parent| dockerfile.stages.get(parent));
    }
    None
}

/// The port range of one EXPOSE word (`80`, `80/tcp`, `8000-8010/udp`), or what is wrong
/// with it: a protocol other than tcp, udp or sctp, something that is not a number, a
/// port above 65535, a range that runs backwards.
pub(crate) fn expose_ports(word: &str) -> Result<(u32, u32), String> {
    let (ports, protocol) = match word.split_once('/') {
        Some((ports, protocol)) => (ports, Some(protocol)),
        None => (word, None),
    };
    if let Some(protocol) = protocol
        && !["tcp", "udp", "sctp"]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(protocol))
    {
        return Err(format!("`{protocol}` is not a protocol (tcp, udp or sctp)"));
    }
    let (low, high) = ports.split_once('-').unwrap_or((ports, ports));
    match (port_number(low), port_number(high)) {
        (Ok(low), Ok(high)) if low > high => Err(format!("the range {low}-{high} runs backwards")),
        (Ok(low), Ok(high)) => Ok((low, high)),
        (Err(problem), _) | (_, Err(problem)) => Err(problem),
    }
}

/// One port number, or why it is not one.
fn port_number(text: &str) -> Result<u32, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{text}` is not a port number"));
    }
    match text.parse::<u32>() {
        Ok(port) if port <= 65535 => Ok(port),
        _ => Err(format!("port {text} is outside 0-65535")),
    }
}

/// The stages whose layers end up in the built image: the final stage and the stages of
/// this file it is built `FROM`, final stage first.
pub(crate) fn final_image_stages(dockerfile: &Dockerfile) -> Vec<&Stage> {
    let mut out = Vec::new();
    let mut current = dockerfile.stages.last();
    // Each step goes to an earlier stage, so this ends; the bound guards a malformed chain.
    for _ in 0..=dockerfile.stages.len() {
        let Some(stage) = current else {
            break;
        };
        out.push(stage);
        current = stage
            .parent
            .filter(|&parent| parent < stage.index)
            .and_then(|parent| dockerfile.stages.get(parent));
    }
    out
}

/// The `target=` (or `dst=`, `destination=`) of each `--mount=type=cache` or
/// `--mount=type=tmpfs` flag of an instruction: directories whose content stays out of
/// the layer.
pub(crate) fn uncommitted_mounts(instruction: &Instruction) -> Vec<String> {
    let mut out = Vec::new();
    for flag in instruction.flags.iter().filter(|f| f.name.text == "mount") {
        let Some(value) = &flag.value else {
            continue;
        };
        let mut kind = "";
        let mut target = None;
        for field in value.text.split(',') {
            let (key, val) = field.split_once('=').unwrap_or((field, ""));
            match key.trim() {
                "type" => kind = val.trim(),
                "target" | "dst" | "destination" => target = Some(val.trim().to_string()),
                _ => {}
            }
        }
        if matches!(kind, "cache" | "tmpfs")
            && let Some(target) = target
        {
            out.push(target);
        }
    }
    out
}

/// The stage of this file the final image starts from: the final stage, or the first
/// stage of the chain it builds on (`FROM build` → `build`'s own `FROM`), whose base is
/// an image outside the file.
pub(crate) fn final_root_stage(dockerfile: &Dockerfile) -> Option<&Stage> {
    final_image_stages(dockerfile).last().copied()
}

/// The base image of a stage when it is an image from a registry: not an earlier stage,
/// not `scratch`, no unresolved `$VARIABLE`.
pub(crate) fn registry_image(stage: &Stage) -> Option<(&str, lockgate_kube::ImageRef)> {
    let image = stage.image_resolved.trim();
    if stage.parent.is_some() || image.eq_ignore_ascii_case("scratch") || image.contains('$') {
        return None;
    }
    lockgate_kube::ImageRef::parse(image).map(|reference| (image, reference))
}
