//! The whole post-renderer in-process (values validated, profile, plan, apply, checks, writer)
//! on an arbitrary stream with the GPU and stores values: never a panic, and on success the
//! output reads back as a stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyaxon_pr::cli::{Cli, Io, run};
use polyaxon_pr::stream::Stream;

const VALUES: [&str; 2] = [
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/polyaxon-0.4.2/values/gpu.values.yaml"
    ),
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/polyaxon-0.4.2/values/stores.values.yaml"
    ),
];

fuzz_target!(|data: &[u8]| {
    use clap::Parser as _;
    let cli = Cli::try_parse_from(["polyaxon-pr", "-f", VALUES[0], "-f", VALUES[1]])
        .expect("fixed arguments");
    let (mut stdin, mut stdout, mut stderr) = (data, Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        process_stdout: false,
    };
    match run(cli, &mut io) {
        Ok(_) => {
            let out = String::from_utf8(stdout).expect("UTF-8 output");
            Stream::read(&out).expect("our output is a stream");
        }
        Err(_) => assert!(stdout.is_empty(), "output written despite an error"),
    }
});
