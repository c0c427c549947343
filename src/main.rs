//! The `polyaxon-pr` binary: parse the command line, run, map the result to an exit code.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// mimalloc: edited documents are trees of small allocations; see the note in `Cargo.toml`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Whether file descriptor 1 was closed when the process started (`polyaxon-pr >&-`). Rust's
/// runtime opens `/dev/null` on a closed standard descriptor before `main`, after which the
/// output would vanish with exit code 0; so the check runs first, from the program's
/// initialisers ([`CHECK_STDOUT`]).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

#[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
extern "C" fn check_stdout() {
    use std::os::fd::FromRawFd;
    // SAFETY: descriptor 1 is only looked at (fstat) and never closed: ManuallyDrop.
    let stdout = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    let closed = stdout
        .metadata()
        .is_err_and(|e| e.raw_os_error() == Some(libc::EBADF));
    STDOUT_CLOSED.store(closed, Ordering::Relaxed);
}

/// Runs [`check_stdout`] before the Rust runtime's start-up, as the C runtime runs initialisers.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[used]
#[unsafe(link_section = ".init_array")]
static CHECK_STDOUT: extern "C" fn() = check_stdout;

#[cfg(target_os = "macos")]
#[used]
#[unsafe(link_section = "__DATA,__mod_init_func")]
static CHECK_STDOUT: extern "C" fn() = check_stdout;

fn main() -> ExitCode {
    polyaxon_pr::cli::main(!STDOUT_CLOSED.load(Ordering::Relaxed))
}
