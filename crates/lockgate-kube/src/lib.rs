//! Typed views over spanned Kubernetes objects: an object's identity, the pod spec of
//! every workload kind (so one rule covers Pods, Deployments, CronJobs and any pod
//! template), containers of every sort, and image references.
//!
//! Views borrow the spanned tree from `lockgate-syntax`, so whatever a rule finds still
//! points at a line and column. This crate does no I/O.

mod image;
mod object;
mod pod;

pub use image::ImageRef;
pub use object::{
    KubeObject, ObjectError, is_cluster_scoped, is_single_object, objects_from_document,
};
pub use pod::{ContainerKind, ContainerView, Effective, PodSpecView};
