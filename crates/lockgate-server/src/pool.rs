//! The threads that judge requests: a fixed number, each with its own policy evaluator,
//! fed from one bounded queue.
//!
//! Judging is CPU work (a fraction of a millisecond, up to the policy time budget for a
//! pathological policy). Doing it on the HTTP threads would stall their other
//! connections; tokio's `block_in_place` avoids that by starting more threads, and under
//! load it started over a hundred, each cloning the compiled policies: hundreds of
//! megabytes and queueing everywhere. A fixed pool keeps memory predictable (one
//! evaluator per thread, one memory budget per thread) and the CPU busy with at most as
//! many evaluations as there are threads. When the queue is full the request is refused
//! at once (HTTP 503) rather than left to time out.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use lockgate_policy::Evaluator;

/// What a judging thread keeps between requests: the evaluator of the configuration
/// generation it was made for.
#[derive(Default)]
pub struct WorkerState {
    evaluator: Option<(u64, Option<Evaluator>)>,
}

impl WorkerState {
    /// The evaluator for `generation`, made with `make` when this thread has none for it.
    pub fn evaluator(
        &mut self,
        generation: u64,
        make: impl FnOnce() -> Option<Evaluator>,
    ) -> Option<&mut Evaluator> {
        if self
            .evaluator
            .as_ref()
            .is_none_or(|(g, _)| *g != generation)
        {
            // The old one goes first: two compiled policy sets at once per thread is
            // what makes memory peak during reloads.
            self.evaluator = None;
            self.evaluator = Some((generation, make()));
        }
        self.evaluator.as_mut().and_then(|(_, e)| e.as_mut())
    }

    /// Forgets the evaluator (after a panic left it in an unknown state).
    pub fn reset(&mut self) {
        self.evaluator = None;
    }
}

type Job = Box<dyn FnOnce(&mut WorkerState) + Send>;

pub struct JudgePool {
    queue: SyncSender<Job>,
}

/// The queue is full: the server is past what its threads can judge.
#[derive(Debug)]
pub struct Overloaded;

impl JudgePool {
    /// Starts `threads` judging threads sharing a queue of `capacity` waiting jobs.
    pub fn start(threads: usize, capacity: usize) -> Result<JudgePool, String> {
        let (queue, jobs) = sync_channel::<Job>(capacity);
        let jobs = Arc::new(Mutex::new(jobs));
        for index in 0..threads.max(1) {
            let jobs = Arc::clone(&jobs);
            std::thread::Builder::new()
                .name(format!("lockgate-judge-{index}"))
                .spawn(move || work(&jobs))
                .map_err(|e| format!("cannot start judging thread: {e}"))?;
        }
        Ok(JudgePool { queue })
    }

    /// Queues `job`; its result arrives on the returned channel.
    pub fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut WorkerState) -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, Overloaded> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |state| {
            // The asker may have gone (client disconnected): nothing to do then.
            let _ = reply.send(job(state));
        });
        match self.queue.try_send(job) {
            Ok(()) => Ok(answer),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Overloaded),
        }
    }
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    let mut state = WorkerState::default();
    loop {
        // Holding the lock only while taking a job: the others wait on the mutex,
        // which hands jobs out one at a time, in order.
        let job = {
            let Ok(receiver) = jobs.lock() else { return };
            match receiver.recv() {
                Ok(job) => job,
                Err(_) => return, // the pool is gone
            }
        };
        job(&mut state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_the_pool_and_a_full_queue_is_refused() {
        let pool = JudgePool::start(1, 1).unwrap();
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let first = pool
            .submit(move |_| {
                started.send(()).unwrap();
                let _ = blocked.recv();
                1
            })
            .unwrap();
        // The thread has taken the first job: the queue's one slot is free again.
        running.recv().unwrap();
        let second = pool.submit(|_| 2).unwrap();
        assert!(pool.submit(|_| 3).is_err(), "a full queue must refuse");
        release.send(()).unwrap();
        assert_eq!(first.blocking_recv().unwrap(), 1);
        assert_eq!(second.blocking_recv().unwrap(), 2);
    }
}
