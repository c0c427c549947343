//! The `polyaxon-pr` binary: parse the command line, run, map the result to an exit code.

use std::process::ExitCode;

/// mimalloc: edited documents are trees of small allocations; see the note in `Cargo.toml`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    polyaxon_pr::cli::main()
}
