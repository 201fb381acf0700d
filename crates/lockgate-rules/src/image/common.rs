//! What several image rules need: the runtime section of the config (`config`, which
//! Docker writes as `config` and the OCI spec as well) and where to point when a key is
//! missing.

use lockgate_model::Span;
use lockgate_syntax::Node;

use super::ImageView;

/// The `config` section of the image config, if the image has one.
pub(crate) fn runtime<'a>(view: &ImageView<'a>) -> Option<&'a Node> {
    view.config.get("config").filter(|n| n.as_map().is_some())
}

/// The span of `config.<key>`'s key, else of `config`, else of the whole document: where a
/// finding about a missing or default setting points.
pub(crate) fn key_span(view: &ImageView<'_>, key: &str) -> Span {
    if let Some(runtime) = runtime(view)
        && let Some((name, _)) = runtime.entry(key)
    {
        return name.span;
    }
    view.config
        .entry("config")
        .map_or(view.config.span, |(name, _)| name.span)
}
