//! `polyaxon-pr lint`, `docs`, `schema` and the post-renderer's validation, driven through the
//! built binary: the values corpus under `tests/values/` (every file states what it must
//! produce), golden outputs under `tests/golden/lint/` (refresh with `UPDATE_GOLDEN=1`), the
//! README and committed schema kept in step with the parameter table, and the schema checked by
//! a real JSON Schema validator.

mod common;

use std::path::{Path, PathBuf};

use common::{Run, Setup, repo, run_with};
use serde_json::Value;

/// Run the binary in the repository root (the corpus is named by relative paths) with `stdin`.
fn run(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let root = repo();
    let setup = Setup {
        env,
        dir: Some(&root),
        ..Setup::default()
    };
    run_with(args, stdin, &setup)
}

fn files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .expect("corpus dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo())
        .expect("inside the repo")
        .display()
        .to_string()
}

/// `# expect: error persistence.data.d1.store:6:14 "s4" is not a store`
#[derive(Debug)]
struct Expect {
    severity: String,
    path: String,
    line: u64,
    column: u64,
    fragment: String,
}

fn expectations(path: &Path) -> Vec<Expect> {
    let text = std::fs::read_to_string(path).expect("corpus file");
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .filter(|l| !l.starts_with("input "))
        .map(|l| {
            let (severity, rest) = l.split_once(' ').expect("severity");
            let (location, fragment) = rest.split_once(' ').expect("location and message");
            let mut parts = location.rsplitn(3, ':');
            let column = parts.next().and_then(|c| c.parse().ok()).expect("column");
            let line = parts.next().and_then(|c| c.parse().ok()).expect("line");
            let path = parts.next().expect("path").to_string();
            Expect {
                severity: severity.to_string(),
                path,
                line,
                column,
                fragment: fragment.to_string(),
            }
        })
        .collect()
}

fn findings(run: &Run) -> Vec<Value> {
    let doc: Value =
        serde_json::from_str(&run.stdout_text()).unwrap_or_else(|e| panic!("{e}\n{run}"));
    doc["files"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn matches(finding: &Value, expect: &Expect) -> bool {
    finding["severity"] == expect.severity.as_str()
        && finding["path"] == expect.path.as_str()
        && finding["origin"]["line"] == expect.line
        && finding["origin"]["column"] == expect.column
        && finding["message"]
            .as_str()
            .is_some_and(|m| m.contains(&expect.fragment))
}

#[test]
fn every_valid_example_lints_clean() {
    for file in files("tests/values/valid") {
        let name = relative(&file);
        let run = run(&["lint", "--format", "json", &name], "", &[]);
        assert_eq!(run.code(), Some(0), "{run}");
        let found = findings(&run);
        let expected = expectations(&file);
        assert_eq!(found.len(), expected.len(), "{run}");
        for e in &expected {
            assert!(
                found.iter().any(|f| matches(f, e)),
                "{e:?} not found\n{run}"
            );
            assert_eq!(e.severity, "warning", "{name}: valid files may only warn");
        }
    }
}

#[test]
fn every_invalid_file_gives_its_stated_finding() {
    let corpus = files("tests/values/invalid");
    assert!(corpus.len() >= 30, "only {} invalid files", corpus.len());
    for file in corpus {
        let name = relative(&file);
        let expected = expectations(&file);
        assert!(!expected.is_empty(), "{name} states no expectation");
        let run = run(&["lint", "--format", "json", &name], "", &[]);
        let found = findings(&run);
        for e in &expected {
            assert!(
                found.iter().any(|f| matches(f, e)),
                "{e:?} not found\n{run}"
            );
        }
        let has_error = found.iter().any(|f| f["severity"] == "error");
        assert_eq!(run.code(), Some(i32::from(has_error)), "{run}");
        let strict = run_strict(&name);
        assert_eq!(
            strict.code(),
            Some(1),
            "--strict fails on warnings too\n{strict}"
        );
    }
}

fn run_strict(name: &str) -> Run {
    run(&["lint", "--strict", "-q", name], "", &[])
}

#[test]
fn malformed_files_exit_2_with_a_location() {
    for file in files("tests/values/malformed") {
        let name = relative(&file);
        let text = std::fs::read_to_string(&file).expect("corpus file");
        let fragment = text
            .lines()
            .find_map(|l| l.strip_prefix("# expect: input "))
            .expect("an input expectation");
        let run = run(&["lint", &name], "", &[]);
        assert_eq!(run.code(), Some(2), "{run}");
        assert!(run.stdout_text().contains(fragment), "{fragment}\n{run}");
        assert!(run.stdout_text().contains(&format!("{name}:")), "{run}");
        let sarif = run_sarif(&name);
        let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"]["uri"],
            name.as_str(),
            "{sarif}"
        );
    }
}

fn run_sarif(name: &str) -> Value {
    let run = run(&["lint", "--format", "sarif", name], "", &[]);
    serde_json::from_str(&run.stdout_text()).unwrap_or_else(|e| panic!("{e}\n{run}"))
}

#[test]
fn billion_laughs_is_rejected_quickly() {
    let start = std::time::Instant::now();
    let run = run(
        &["lint", "tests/values/malformed/billion-laughs.yaml"],
        "",
        &[],
    );
    assert_eq!(run.code(), Some(2), "{run}");
    assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
}

/// The golden files: text, json, github and sarif output of the same three files.
#[test]
fn golden_outputs() {
    let inputs = [
        "tests/values/invalid/store-not-a-store.yaml",
        "tests/values/invalid/user-password-default.yaml",
        "tests/values/valid/data-examples.yaml",
    ];
    for format in ["text", "json", "github", "sarif"] {
        let mut args = vec!["lint", "--format", format];
        args.extend(inputs);
        let run = run(&args, "", &[]);
        assert_eq!(run.code(), Some(1), "{run}");
        let golden = repo().join(format!("tests/golden/lint/three-files.{format}"));
        check_golden(&golden, &run.stdout_text());
    }
}

fn check_golden(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("golden dir");
        std::fs::write(path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(
        actual,
        expected,
        "{} is stale; review the diff and refresh with UPDATE_GOLDEN=1",
        path.display()
    );
}

#[test]
fn text_output_matches_helm_lint_style() {
    let run = run(
        &["lint", "tests/values/invalid/store-not-a-store.yaml"],
        "",
        &[],
    );
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stdout_text(),
        "==> Linting tests/values/invalid/store-not-a-store.yaml\n\
         [ERROR] tests/values/invalid/store-not-a-store.yaml:6:14: persistence.data.d1.store: \
         \"s4\" is not a store; expected one of s3, gcs, azure\n    hint: did you mean \"s3\"?\n\n\
         1 file(s) linted, 1 file(s) failed\n"
    );
}

#[test]
fn quiet_hides_clean_files() {
    let run = run(
        &[
            "lint",
            "-q",
            "tests/values/valid/time-zone.yaml",
            "tests/values/invalid/time-zone-typo.yaml",
        ],
        "",
        &[],
    );
    assert_eq!(run.code(), Some(1), "{run}");
    assert!(!run.stdout_text().contains("valid/time-zone.yaml"), "{run}");
    assert!(
        run.stdout_text()
            .contains("2 file(s) linted, 1 file(s) failed"),
        "{run}"
    );
}

#[test]
fn sarif_is_2_1_0_with_locations() {
    let run = run(
        &[
            "lint",
            "--format",
            "sarif",
            "tests/values/invalid/time-zone-typo.yaml",
        ],
        "",
        &[],
    );
    let doc: Value = serde_json::from_str(&run.stdout_text()).expect("sarif is JSON");
    assert_eq!(doc["version"], "2.1.0");
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "tests/values/invalid/time-zone-typo.yaml"
    );
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 11);
}

/// The SARIF output of a file with several findings (errors, warnings, a hint) is valid against
/// the official OASIS SARIF 2.1.0 schema (tests/fixtures/sarif/).
#[test]
fn sarif_validates_against_the_official_schema() {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/sarif/sarif-2.1.0-rtm.5.json"))
        .expect("SARIF schema");
    // The published rtm.5 schema's `run.language` pattern has an unescaped `]` that the
    // validator's regex dialect rejects when it checks the schema itself; escape it (same meaning).
    let text = text.replace(r"{2}]?$", r"{2}\\]?$");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator = jsonschema::draft4::new(&schema).expect("a valid draft-04 schema");
    let files: Vec<String> = std::fs::read_dir(repo().join("tests/values/invalid"))
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            p.strip_prefix(repo())
                .expect("in repo")
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["lint", "--format", "sarif"];
    args.extend(files.iter().map(String::as_str));
    let run = run(&args, "", &[]);
    assert_eq!(run.code(), Some(1), "{run}");
    let doc: Value = serde_json::from_str(&run.stdout_text()).expect("sarif is JSON");
    assert!(
        doc["runs"][0]["results"]
            .as_array()
            .is_some_and(|r| r.len() > 20),
        "{run}"
    );
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema violations: {errors:#?}");
    // The validator does reject a malformed log (a result level SARIF does not define).
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn stdin_set_and_environment() {
    let run1 = run(&["lint", "-"], "timeZone: Mars/Olympus\n", &[]);
    assert_eq!(run1.code(), Some(1), "{run1}");
    assert!(
        run1.stdout_text().contains("[ERROR] -:1:11: timeZone:"),
        "{run1}"
    );

    let run2 = run(&["lint", "--set", "persistence.data.d1.store=s4"], "", &[]);
    assert_eq!(run2.code(), Some(1), "{run2}");
    assert!(
        run2.stdout_text()
            .contains("[ERROR] --set #1:1: persistence.data.d1.store: \"s4\" is not a store"),
        "{run2}"
    );

    let env = [(
        "POLYAXON_PR_VALUES",
        "tests/values/valid/time-zone.yaml:tests/values/invalid/namespace-not-dns-label.yaml",
    )];
    let run3 = run(&["lint"], "", &env);
    assert_eq!(run3.code(), Some(1), "{run3}");
    assert!(
        run3.stdout_text()
            .contains("namespace-not-dns-label.yaml:3:12: namespace:"),
        "{run3}"
    );

    let run4 = run(&["lint"], "", &[]);
    assert_eq!(run4.code(), Some(2), "{run4}");

    let run5 = run(&["lint", "tests/values/valid/time-zone.yaml"], "", &env);
    assert_eq!(
        run5.code(),
        Some(0),
        "FILE arguments are linted without the environment's files\n{run5}"
    );
}

#[test]
fn later_files_and_set_override_earlier_ones() {
    let run = run(
        &[
            "lint",
            "-f",
            "tests/values/invalid/time-zone-typo.yaml",
            "--set",
            "timeZone=Europe/Berlin",
        ],
        "",
        &[],
    );
    assert_eq!(run.code(), Some(0), "{run}");
}

#[test]
fn post_renderer_validates_before_touching_the_stream() {
    let stream =
        std::fs::read_to_string(repo().join("tests/fixtures/polyaxon-0.4.2/helm3/defaults.yaml"))
            .expect("fixture");
    let bad = run(
        &["-f", "tests/values/invalid/store-not-a-store.yaml"],
        &stream,
        &[],
    );
    assert_eq!(bad.code(), Some(1), "{bad}");
    assert!(bad.stdout_text().is_empty(), "{bad}");
    assert!(
        bad.stderr()
            .contains("store-not-a-store.yaml:6:14: persistence.data.d1.store"),
        "{bad}"
    );

    let strict = run(
        &[
            "-f",
            "tests/values/invalid/user-password-default.yaml",
            "--strict",
        ],
        &stream,
        &[],
    );
    assert_eq!(strict.code(), Some(1), "{strict}");
    assert!(strict.stdout_text().is_empty(), "{strict}");
    assert!(!strict.stderr().contains("rootpassword"), "{strict}");

    let env = [(
        "POLYAXON_PR_VALUES",
        "tests/values/invalid/store-not-a-store.yaml",
    )];
    let from_env = run(&[], &stream, &env);
    assert_eq!(from_env.code(), Some(1), "{from_env}");
    assert!(from_env.stdout_text().is_empty(), "{from_env}");

    let good = run(&["-f", "tests/values/valid/time-zone.yaml"], &stream, &[]);
    assert_eq!(good.code(), Some(0), "{good}");
    assert!(!good.stdout_text().is_empty(), "{good}");
}

#[test]
fn no_output_ever_contains_a_password() {
    for format in ["text", "json", "github", "sarif"] {
        let args = [
            "lint",
            "--format",
            format,
            "--set",
            "user.password=rootpassword,user.email=x",
        ];
        let run = run(&args, "", &[]);
        assert_eq!(run.code(), Some(1), "{run}");
        assert!(run.stdout_text().contains("user.password"), "{run}");
        assert!(!run.stdout_text().contains("rootpassword"), "{run}");
    }
    for command in ["docs", "schema"] {
        let run = run(&[command], "", &[]);
        assert!(!run.stdout_text().contains("rootpassword"), "{run}");
    }
}

#[test]
fn docs_are_the_readme_parameters_section() {
    let run = run(&["docs"], "", &[]);
    assert_eq!(run.code(), Some(0), "{run}");
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let begin = "<!-- params:begin -->\n";
    let end = "<!-- params:end -->";
    let start = readme.find(begin).expect("params:begin marker") + begin.len();
    let stop = readme.find(end).expect("params:end marker");
    assert_eq!(
        &readme[start..stop],
        run.stdout_text(),
        "README's Parameters section is stale: replace it with `polyaxon-pr docs`"
    );
}

#[test]
fn every_reference_parameter_is_in_the_table() {
    let reference =
        std::fs::read_to_string(repo().join("tests/fixtures/polyaxon-helm-reference.md"))
            .expect("reference");
    let table = std::fs::read_to_string(repo().join("chart-overlays/polyaxon/parameters.yaml"))
        .expect("table");
    let mut count = 0;
    for line in reference.lines().filter(|l| l.starts_with("| `")) {
        let name = line.split('`').nth(1).expect("a parameter in backticks");
        let parts: Vec<&str> = name.split('.').collect();
        let name = match parts.as_slice() {
            ["persistence", kind @ ("data" | "outputs"), _, rest @ ..] => {
                format!("persistence.{kind}.<name>.{}", rest.join("."))
            }
            _ => name.to_string(),
        };
        assert!(
            table.contains(&format!("- path: {name}\n")),
            "{name} is missing from parameters.yaml"
        );
        count += 1;
    }
    assert!(
        count >= 70,
        "read only {count} parameters from the reference"
    );
    for key in [
        "allowedHosts",
        "apiHost",
        "adminViewEnabled",
        "nfsProvisioner.enabled",
        "nfsProvisioner.persistence.enabled",
    ] {
        assert!(table.contains(&format!("- path: {key}\n")), "{key}");
    }
}

#[test]
fn committed_schema_is_current() {
    let run = run(&["schema"], "", &[]);
    assert_eq!(run.code(), Some(0), "{run}");
    let path = repo().join("chart-overlays/polyaxon/values.schema.json");
    check_golden(&path, &run.stdout_text());
}

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("chart-overlays/polyaxon/values.schema.json"))
        .expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::draft7::new(&schema).expect("a valid draft-07 schema")
}

/// The values as Helm would validate them: YAML → JSON through the binary's own reader.
fn as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("corpus file");
    let parsed = polyaxon_pr::values::yaml::parse(&text, "v.yaml").expect("parses");
    parsed.root
}

#[test]
fn schema_accepts_every_valid_example() {
    let validator = schema_validator();
    for file in files("tests/values/valid") {
        let values = as_json(&file);
        let errors: Vec<String> = validator
            .iter_errors(&values)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }
    assert!(validator.is_valid(&serde_json::json!({"global": {"anything": 1}})));
    let chart_style_nulls = serde_json::json!({
        "persistence": {"logs": {"existingClaim": null, "mountPath": "/logs"}},
        "tolerations": {"core": null},
        "nodeSelectors": {"core": null}
    });
    assert!(validator.is_valid(&chart_style_nulls));
    assert!(!validator.is_valid(&serde_json::json!({"unknownKey": 1})));
}

#[test]
fn schema_rejects_the_type_and_enum_errors() {
    let validator = schema_validator();
    let mut checked = 0;
    for file in files("tests/values/invalid") {
        let text = std::fs::read_to_string(&file).expect("corpus file");
        if !text.contains("\n# schema: invalid\n") {
            continue;
        }
        checked += 1;
        assert!(
            !validator.is_valid(&as_json(&file)),
            "{} passes the schema",
            file.display()
        );
    }
    assert!(
        checked >= 15,
        "only {checked} files marked `# schema: invalid`"
    );
}

/// The values users keep start from the chart's own values.yaml: it lints clean (the one warning
/// is the chart's default password), and so does the reference's own `--set` example.
#[test]
fn the_charts_own_values_and_the_references_set_example_lint_clean() {
    let chart = "tests/charts/polyaxon-values/values.yaml";
    let run1 = run(&["lint", "--format", "json", chart], "", &[]);
    assert_eq!(run1.code(), Some(0), "{run1}");
    let found = findings(&run1);
    assert_eq!(found.len(), 1, "{run1}");
    assert_eq!(found[0]["path"], "user.password", "{run1}");

    let run2 = run(
        &[
            "lint",
            "--set",
            "persistence.enabled=false,email.host=email",
        ],
        "",
        &[],
    );
    assert_eq!(run2.code(), Some(0), "{run2}");
    assert!(
        run2.stdout_text()
            .contains("persistence.enabled has no effect"),
        "{run2}"
    );

    let values = as_json(&repo().join(chart));
    let errors: Vec<String> = schema_validator()
        .iter_errors(&values)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// An unknown key is still an error, with the nearest name among the reference's and the
/// chart's keys alike.
#[test]
fn unknown_keys_suggest_chart_keys_too() {
    for (arg, near) in [
        ("serviceTyp=ClusterIP", "serviceType"),
        ("api.replica=2", "replicas"),
        ("persistance.logs.hostPath=/x", "persistence"),
    ] {
        let run = run(&["lint", "--set", arg], "", &[]);
        assert_eq!(run.code(), Some(1), "{run}");
        assert!(
            run.stdout_text()
                .contains(&format!("did you mean \"{near}\"?")),
            "{run}"
        );
    }
}

/// Both spellings of the scheduling map are the chart's or the reference's: neither gets a
/// rename hint. `lint` says that the reference's alone misses the hook Jobs under Helm 3.
#[test]
fn node_selector_spellings() {
    let chart = run(&["lint", "--set", "nodeSelectors.core.pool=core"], "", &[]);
    assert_eq!(chart.code(), Some(0), "{chart}");
    assert!(!chart.stdout_text().contains("[WARNING]"), "{chart}");
    let reference = run(&["lint", "--set", "nodeSelector.core.pool=core"], "", &[]);
    assert_eq!(reference.code(), Some(0), "{reference}");
    assert!(
        reference
            .stdout_text()
            .contains("hook Jobs will not get nodeSelector.core")
            && reference
                .stdout_text()
                .contains("write it as nodeSelectors.core"),
        "{reference}"
    );
    assert!(
        !reference.stdout_text().contains("rename it"),
        "{reference}"
    );
    let both = run(
        &[
            "lint",
            "--set",
            "nodeSelector.core.pool=core,nodeSelectors.core.pool=core",
        ],
        "",
        &[],
    );
    assert_eq!(both.code(), Some(0), "{both}");
    assert!(!both.stdout_text().contains("[WARNING]"), "{both}");
}

/// A value flag's argument is never echoed: a password given beside a mistake stays out of
/// every output format, and so does a credential under a misspelt or malformed key.
#[test]
fn set_arguments_are_never_echoed() {
    for arg in [
        "postgresql.postgresPassword=S3CRET,timeZone=Mars/X",
        "user.pasword=S3CRET",
        "user.password[0]=S3CRET",
        "user.password.x=S3CRET",
        "user={password:S3CRET}",
        "email.hostPassword=12345,timeZone=Mars/X",
        "user.password=S3CRET,bad",
    ] {
        for format in ["text", "json", "github", "sarif"] {
            let run = run(&["lint", "--format", format, "--set", arg], "", &[]);
            let all = format!("{}{}", run.stdout_text(), run.stderr());
            assert!(
                !all.contains("S3CRET") && !all.contains("12345"),
                "{arg} {format}: {run}"
            );
            let located = match format {
                "json" => all.contains("\"flag\": \"--set\"") || all.contains("--set #1:"),
                _ => all.contains("--set #1:"),
            };
            assert!(located, "{arg} {format}: {run}");
        }
    }
}
