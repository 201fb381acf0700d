//! IMAGE-005 image-os-end-of-life: the image's operating system release no longer gets
//! security updates.

use lockgate_model::{RuleMeta, Severity};

use super::os_eol_table::end_of_life;
use super::{ImageSink, ImageTarget, ImageView};
use crate::Context;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "IMAGE-005",
    name: "image-os-end-of-life",
    title: "Image OS release is end of life",
    severity: Severity::High,
    applies_to: &["image files"],
    frameworks: &["nist-800-190:4.1.1"],
    fix: "Rebuild on a supported release of the distribution (for example `debian:12`, `ubuntu:24.04`, `alpine:3.22`) or on a distroless base, and rebuild regularly.",
    docs: r#"## What it checks
The `ID` and `VERSION_ID` of the image's `/etc/os-release` (or `/usr/lib/os-release`),
against a table of the end of security support of Debian (with LTS), Ubuntu (standard
support), Alpine, CentOS, RHEL and its rebuilds, Amazon Linux, Fedora and openSUSE Leap.
It fires when the scan's date is past that end. Releases the table does not know are not
judged.

## Why it matters
Once a release is out of support nobody publishes fixes for its packages: every
vulnerability found from then on stays open in the image for good, and vulnerability
scanners stop reporting some of them because the distribution no longer tracks them.

## Example
An image built `FROM debian:9` (stretch, out of LTS since 2022-06-30).

## Fix
```dockerfile
FROM debian:12-slim
```

## References
- https://wiki.debian.org/LTS
- https://ubuntu.com/about/release-cycle
- https://alpinelinux.org/releases/
- https://access.redhat.com/support/policy/updates/errata
"#,
};

pub(crate) fn check(_: &Context<'_>, view: &ImageView<'_>, out: &mut ImageSink) {
    let Some(os) = view.os else { return };
    let Some(date) = end_of_life(&os.id, &os.version_id) else {
        return;
    };
    if view.today > date {
        let name = if os.pretty_name.is_empty() {
            format!("{} {}", os.id, os.version_id)
        } else {
            os.pretty_name.clone()
        };
        out.report(
            &META,
            ImageTarget::File(os.path.clone()),
            format!("{name} has had no security updates since {date}"),
        );
    }
}
