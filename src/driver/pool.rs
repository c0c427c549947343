//! The driver's worker pool: windows on every core (scoped threads), results in stream order.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, mpsc};

use crate::error::Result;

/// Windows to process at once: one per core, at most [`MAX_PARALLEL_WINDOWS`] and `windows`.
pub(super) fn parallel_windows(windows: usize) -> usize {
    if windows < 2 {
        return 1;
    }
    // Asked once a run: it reads the cgroup files (a dozen system calls), and both passes ask.
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    cores.clamp(1, MAX_PARALLEL_WINDOWS.min(windows))
}

/// Peak memory grows with the windows in flight (each ~4-8× its bytes while it is edited).
const MAX_PARALLEL_WINDOWS: usize = 4;

/// `job` on `0..count` on `threads` scoped threads, results handed in order to `consume` here as
/// the workers go on. At most `2 * threads` jobs start ahead of the one `consume` waits for, so at
/// most that many results are held; the first error `consume` returns stops the run (queued jobs
/// still run, their results dropped). A job's panic is re-raised here, as without threads.
pub(super) fn in_order<T: Send>(
    count: usize,
    threads: usize,
    job: &(impl Fn(usize) -> T + Sync),
    mut consume: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    if threads < 2 || count < 2 {
        return (0..count).try_for_each(|i| consume(job(i)));
    }
    let (jobs, queue) = mpsc::channel::<usize>();
    let queue = Mutex::new(queue);
    let (done, results) = mpsc::channel();
    std::thread::scope(|scope| {
        // Moved in: dropped on return (even on error), stopping the workers before the scope waits.
        let jobs = jobs;
        let mut spawned = 0;
        for _ in 0..threads {
            let (queue, done) = (&queue, done.clone());
            let worker = std::thread::Builder::new().spawn_scoped(scope, move || {
                loop {
                    let next = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    let Ok(i) = next else { return };
                    let result = panic::catch_unwind(AssertUnwindSafe(|| job(i)));
                    if done.send((i, result)).is_err() {
                        return;
                    }
                }
            });
            // A thread that cannot start (a memory or process limit) leaves the jobs to those
            // that did, or to this thread.
            match worker {
                Ok(_) => spawned += 1,
                Err(_) => break,
            }
        }
        if spawned == 0 {
            drop(jobs);
            return (0..count).try_for_each(|i| consume(job(i)));
        }
        let ahead = 2 * spawned;
        let mut started = 0;
        let mut held = BTreeMap::new();
        for next in 0..count {
            while started < count && started < next + ahead {
                let _ = jobs.send(started);
                started += 1;
            }
            let result = loop {
                if let Some(result) = held.remove(&next) {
                    break result;
                }
                match results.recv() {
                    Ok((i, Ok(result))) => {
                        held.insert(i, result);
                    }
                    Ok((_, Err(panic))) => panic::resume_unwind(panic),
                    Err(_) => unreachable!("the workers outlive the jobs"),
                }
            };
            consume(result)?;
        }
        Ok(())
    })
}
