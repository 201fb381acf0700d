//! One module per file format. Each exposes `parse(&Input) -> Result<Vec<Package>, _>`.

pub(crate) mod apk;
pub(crate) mod cargo;
pub(crate) mod composer;
pub(crate) mod dpkg;
pub(crate) mod gemfile;
pub(crate) mod gobinary;
pub(crate) mod gomod;
pub(crate) mod gradle;
pub(crate) mod maven;
pub(crate) mod npm;
pub(crate) mod nuget;
pub(crate) mod pipfile;
pub(crate) mod pnpm;
pub(crate) mod poetry;
pub(crate) mod requirements;
pub(crate) mod rpm;
pub(crate) mod uv;
pub(crate) mod yarn;
