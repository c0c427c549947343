// The inputs a fuzz target (fuzz/, scripts/fuzz.sh) once crashed on, read by the replays of
// tests/regressions.rs and by the unit tests of src/apply.rs (which replay the targets whose
// checks are the crate's own), each `include!`-ing this file.

/// The inputs the fuzz target `target` once crashed on (tests/regressions/TARGET/), in name
/// order, each with its bytes read as text (invalid UTF-8 replaced).
fn crash_inputs(target: &str) -> Vec<(std::path::PathBuf, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions")
        .join(target);
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".keep"))
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (p, text)
        })
        .collect()
}
