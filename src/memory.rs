//! Running out of memory. The binary's allocator ends the process on a failed allocation (exit
//! code 2, one line: `main.rs`), except inside [`fallibly`], where `Vec::try_reserve` and
//! `Read::read_to_end` return it, so the big buffers (stdin's stream, the output) fail as an
//! ordinary error, with the report file written.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    /// Whether this thread is inside [`fallibly`]. Const-initialised without a destructor, so
    /// the allocator can read it at any time without allocating.
    static FALLIBLE: Cell<bool> = const { Cell::new(false) };
}

/// Run `f`, in which a failed allocation is returned to its caller: only for code that handles it.
pub fn fallibly<T>(f: impl FnOnce() -> T) -> T {
    let was = FALLIBLE.with(|flag| flag.replace(true));
    let result = f();
    FALLIBLE.with(|flag| flag.set(was));
    result
}

/// Room reserved by `reserve` (a `try_reserve`, run [`fallibly`]), or the error
/// that says `what` of `bytes` bytes does not fit in memory.
pub fn hold(
    what: &str,
    bytes: usize,
    reserve: impl FnOnce() -> std::result::Result<(), std::collections::TryReserveError>,
) -> crate::error::Result<()> {
    fallibly(reserve).map_err(|_| {
        crate::error::Error::input(format!(
            "out of memory: cannot hold {what} ({bytes} bytes); raise the memory limit (ulimit \
             -v, the container's limit)"
        ))
    })
}

/// Whether the current thread handles a failed allocation itself (see [`fallibly`]).
pub fn failure_is_handled() -> bool {
    FALLIBLE.try_with(Cell::get).unwrap_or(false)
}

/// Set by the first allocation failure that ends the process.
static ENDING: AtomicBool = AtomicBool::new(false);

/// Whether this is the process's first failed allocation, on any thread. Allocates nothing.
pub fn first_failure() -> bool {
    !ENDING.swap(true, Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallibly_is_scoped_to_its_closure() {
        assert!(!failure_is_handled());
        assert!(fallibly(
            || fallibly(failure_is_handled) && failure_is_handled()
        ));
        assert!(!failure_is_handled());
    }

    #[test]
    fn only_the_first_failure_of_the_process_is_first() {
        let firsts: usize = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..8).map(|_| scope.spawn(first_failure)).collect();
            threads
                .into_iter()
                .map(|t| usize::from(t.join().unwrap()))
                .sum()
        });
        assert_eq!(firsts, 1);
        assert!(!first_failure());
    }
}
