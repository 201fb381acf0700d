//! Memory budgets for evaluations.
//!
//! regorus counts the live bytes of the whole process (its vendored mimalloc, built with
//! allocation counting, is the program's global allocator) and stops an evaluation, in
//! the interpreter and inside builtins that build large values, once they pass a limit.
//! That limit is process-wide, so a policy phase holds it while it runs: the live bytes
//! at its start plus one budget for every evaluation that may run at the same time. An
//! evaluation stopped while others ran beside it may not be the one that used the memory:
//! callers run such evaluations again alone, with [`MemoryLimit::rebase`].

use std::sync::{Mutex, MutexGuard};

/// Only one policy phase of the process sets the limit at a time.
static PHASE: Mutex<()> = Mutex::new(());

/// The limit while a policy phase runs; removed when dropped.
pub struct MemoryLimit {
    _phase: MutexGuard<'static, ()>,
}

fn set_limit(per_evaluation: u64, concurrent: usize) {
    let live = regorus_mimalloc::global_allocation_stats_snapshot().allocated;
    let room = per_evaluation.saturating_mul(u64::try_from(concurrent.max(1)).unwrap_or(u64::MAX));
    regorus::set_global_memory_limit(Some(live.saturating_add(room)));
}

impl MemoryLimit {
    /// Limits the process to its live bytes now plus `per_evaluation` bytes for each of
    /// `concurrent` evaluations.
    pub fn enter(per_evaluation: u64, concurrent: usize) -> MemoryLimit {
        let phase = PHASE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        set_limit(per_evaluation, concurrent);
        MemoryLimit { _phase: phase }
    }

    /// Sets the limit again from the live bytes now.
    pub fn rebase(&self, per_evaluation: u64, concurrent: usize) {
        set_limit(per_evaluation, concurrent);
    }
}

impl Drop for MemoryLimit {
    fn drop(&mut self) {
        regorus::set_global_memory_limit(None);
    }
}

/// Sets the limit for a server's lifetime: the live bytes now, one budget for each of
/// `concurrent` evaluations, and `headroom` for what requests in flight hold besides
/// (bodies, parsed objects). A server calls it again after each reload.
pub fn set_standing_limit(per_evaluation: u64, concurrent: usize, headroom: u64) {
    let live = regorus_mimalloc::global_allocation_stats_snapshot().allocated;
    let room = per_evaluation.saturating_mul(u64::try_from(concurrent.max(1)).unwrap_or(u64::MAX));
    regorus::set_global_memory_limit(Some(live.saturating_add(room).saturating_add(headroom)));
}

/// Removes a limit set by [`set_standing_limit`] (a reload without policies).
pub fn clear_standing_limit() {
    regorus::set_global_memory_limit(None);
}

/// Whether an evaluation error is the memory limit.
pub(crate) fn is_memory_error(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<regorus::LimitError>(),
        Some(regorus::LimitError::MemoryLimitExceeded { .. })
    ) || error.to_string().contains("exceeded memory limit")
}
