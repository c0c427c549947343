//! The `polyaxon-pr` binary: parse the command line, run, map the result to an exit code.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// mimalloc (edited documents are trees of small allocations: `Cargo.toml`) in [`OrOutOfMemory`].
#[global_allocator]
static GLOBAL: OrOutOfMemory = OrOutOfMemory(mimalloc::MiMalloc);

/// An allocator that ends the process when mimalloc cannot allocate (`ulimit -v`, a container's
/// memory limit) with one line on stderr and exit code 2, not Rust's message, backtrace and abort
/// (exit code 134); `std::alloc::set_alloc_error_hook` would do this but is not stable. Nothing
/// more reaches stdout: the output is written only once the run succeeded. The big buffers are
/// reserved inside [`polyaxon_pr::memory::fallibly`], which returns the failure as an error.
struct OrOutOfMemory(mimalloc::MiMalloc);

// SAFETY: calls go to mimalloc unchanged; a null result ends the process instead of being returned.
unsafe impl std::alloc::GlobalAlloc for OrOutOfMemory {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        or_exit(unsafe { self.0.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        or_exit(unsafe { self.0.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        or_exit(unsafe { self.0.realloc(ptr, layout, size) }, size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.dealloc(ptr, layout) }
    }
}

/// `ptr`, or, when it is null, the end of the process (see [`OrOutOfMemory`]).
fn or_exit(ptr: *mut u8, size: usize) -> *mut u8 {
    if ptr.is_null() && !polyaxon_pr::memory::failure_is_handled() {
        out_of_memory(size);
    }
    ptr
}

/// Say that `size` bytes could not be allocated and exit with code 2, allocating nothing (a stack
/// buffer) and flushing nothing (`_exit`: no buffered output is written late). Of the threads
/// editing windows, several can run out together: the first says so, the others sleep
/// (allocating nothing) until the process ends, so the message is one line.
fn out_of_memory(size: usize) -> ! {
    if !polyaxon_pr::memory::first_failure() {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }
    let mut line = [0u8; 200];
    let mut rest = &mut line[..];
    // Formatting an integer into a slice allocates nothing.
    let _ = writeln!(
        rest,
        "polyaxon-pr: error: out of memory: an allocation of {size} bytes failed; raise the \
         memory limit (ulimit -v, the container's limit)"
    );
    let unused = rest.len();
    let len = line.len() - unused;
    #[cfg(unix)]
    // SAFETY: writes `len` initialised bytes of `line` to fd 2, then ends the process.
    unsafe {
        libc::write(2, line.as_ptr().cast(), len);
        libc::_exit(2)
    }
    #[cfg(not(unix))]
    {
        // Standard error is unbuffered: this write allocates nothing either.
        let _ = std::io::stderr().write_all(&line[..len]);
        std::process::exit(2)
    }
}

/// Whether file descriptor 1 was closed when the process started (`polyaxon-pr >&-`). Rust's
/// runtime opens `/dev/null` on a closed standard descriptor before `main`, and the output would
/// vanish with exit code 0; so the check runs first, as a program initialiser ([`CHECK_STDOUT`]).
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
#[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
#[used]
#[cfg_attr(target_os = "macos", unsafe(link_section = "__DATA,__mod_init_func"))]
#[cfg_attr(not(target_os = "macos"), unsafe(link_section = ".init_array"))]
static CHECK_STDOUT: extern "C" fn() = check_stdout;

fn main() -> ExitCode {
    let code = polyaxon_pr::cli::main(!STDOUT_CLOSED.load(Ordering::Relaxed));
    #[cfg(unix)]
    if code == ExitCode::SUCCESS && std::io::Write::flush(&mut std::io::stdout()).is_ok() {
        // All is written and flushed, and the kernel releases whatever is held: skip the C
        // runtime's exit handlers (mimalloc's frees page by page what the OS takes back at once).
        // SAFETY: `_exit` only ends the process.
        unsafe { libc::_exit(0) }
    }
    code
}
