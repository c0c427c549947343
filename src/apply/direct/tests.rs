//! The direct edits are held to the general path (the overlay rules on values, then the
//! minimal-edit writer): the same stream, byte for byte, on every document they take — and they
//! must take the documents they are for.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::overlay::parse_str;

const HEAD: &str = "apiVersion: polyaxon-pr/v1\nkind: Overlay\nmetadata: {name: t}\nrules:\n";

fn overlays(rules: &str) -> Overlays {
    let (overlays, findings) = parse_str(&format!("{HEAD}{rules}"), "o.yaml", &json!({})).unwrap();
    assert!(findings.is_empty(), "{findings:#?}");
    overlays
}

/// No values: the plan's unit is not there, only the overlay rules.
fn no_values() -> crate::values::Values {
    crate::values::Values::from_json(json!({}))
}

/// All three GPU libraries, and one mount path of its own.
fn gpu_values() -> crate::values::Values {
    crate::values::Values::from_json(json!({"dirs": {"nvidia": {
        "lib": "/usr/lib/nvidia", "bin": "/usr/lib/nvidia/bin", "libcuda": "/usr/lib/libcuda.so.1"}},
        "mountPaths": {"nvidia": {"bin": "/nvidia/bin"}}}))
}

/// Both paths agree, and the direct edits took `taken` documents; the output.
fn agree(rules: &str, text: &str, taken: usize) -> String {
    match compare(text, &no_values(), &overlays(rules)) {
        Ok(Compared::Same { output, taken: t }) => {
            assert_eq!(
                t, taken,
                "documents taken, rules:\n{rules}\nstream:\n{text}"
            );
            output
        }
        other => panic!("{other:?}\nrules:\n{rules}\nstream:\n{text}"),
    }
}

const BENCH: &str = "  - match: {kinds: [Deployment], labels: {role: experiments}}
    expect: '0+'
    volumes: [{name: scratch, hostPath: {path: /mnt/scratch, type: DirectoryOrCreate}}]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  - match: {kinds: [Deployment]}
    expect: '0+'
    env: [{name: TZ, value: UTC}]
";

/// Two rules adding to one list, and the lists created in another order than the first rule's.
const STACKED: &str = "  - env: [{name: A, value: '1'}]
  - volumes: [{name: data, emptyDir: {}}]
    volumeMounts: [{name: data, mountPath: /data, readOnly: true}]
    env: [{name: B, value: 'two words'}]
";

const SOME_CONTAINERS: &str = "  - match: {containers: 'side', initContainers: true}
    expect: '0+'
    volumeMounts: [{name: cache, mountPath: /cache}]
    env: [{name: SIDE, value: 'yes'}]
";

/// The bench's Deployment: indentless lists, env in the middle of the container.
const DEPLOYMENT: &str = "\
---
# Source: polyaxon/templates/deployment-0.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  labels:
    role: experiments
spec:
  template:
    metadata:
      labels:
        role: experiments
    spec:
      containers:
      - name: main
        image: \"polyaxon/polyaxon-api:0.4.2\"
        env:
        - name: POLYAXON_ROLE
          value: \"worker\"
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        resources:
          requests:
            cpu: 300m
      - name: side
        image: busybox
";

/// Indented lists, every list there already, comments after the last items, quoted names, a
/// volume list after the containers, and init containers.
const INDENTED: &str = "\
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: 'indented'
  labels: {role: experiments}
spec:
  template:
    spec:
      initContainers:
        - name: \"init-side\"
          image: busybox
      containers:
        - name: side
          volumeMounts:
            - name: cache
              mountPath: /var/cache   # the cache
          # nothing else mounted
          env:
            - name: \"X\"
              value: '1'

            # the end of env
      volumes:
        - name: cache
          emptyDir: {}
        # more volumes here
      nodeSelector:
        disk: ssd
# a trailing comment
";

/// Everything ends at once: env is the last entry of the last container, containers the last of
/// the pod spec, the pod spec the last of the document, and no final newline.
const ENDS_AT_ONCE: &str = "\
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, labels: {role: experiments}}
spec:
  schedule: '@daily'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: side
            image: busybox
            env:
            - name: Z
              value: z";

const POD: &str = "\
---
apiVersion: v1
kind: Pod
metadata:
  name: lone
spec:
  volumes:
  - name: cache
    emptyDir: {}
  containers:
  - name: side
    image: busybox
";

#[test]
fn the_direct_edits_write_what_the_general_path_writes() {
    // Documents taken of DEPLOYMENT, INDENTED, ENDS_AT_ONCE, POD, and of the first, second and
    // last together: BENCH reaches Deployments only; SOME_CONTAINERS mounts `cache`, a volume
    // that DEPLOYMENT and ENDS_AT_ONCE do not define (the checks' error, the general path's).
    let expected = [
        (BENCH, [1, 1, 0, 0, 2]),
        (STACKED, [1, 1, 1, 1, 3]),
        (SOME_CONTAINERS, [0, 1, 0, 1, 2]),
    ];
    for (rules, taken) in expected {
        for (doc, taken) in [DEPLOYMENT, INDENTED, ENDS_AT_ONCE, POD]
            .into_iter()
            .zip(taken)
        {
            agree(rules, doc, taken);
        }
        agree(rules, &[DEPLOYMENT, INDENTED, POD].concat(), taken[4]);
    }
}

#[test]
fn the_bench_job_is_taken_and_written_as_expected() {
    let out = agree(BENCH, DEPLOYMENT, 1);
    assert!(out.contains(
        "        - name: POD_IP\n          valueFrom: {fieldRef: {fieldPath: status.podIP}}\n        - name: TZ\n          value: UTC\n        resources:"
    ), "{out}");
    assert!(out.contains("        image: busybox\n        volumeMounts:\n        - name: scratch\n          mountPath: /scratch\n        env:\n        - name: TZ\n          value: UTC\n      volumes:\n      - name: scratch\n"), "{out}");
}

/// What the direct edits leave to the general path, each still written as it writes it.
#[test]
fn what_is_not_certain_is_left_to_the_general_path() {
    let scratch = "  - volumes: [{name: cache, emptyDir: {}}]\n";
    // An entry that is there already: a no-op here, a conflict elsewhere.
    agree(scratch, POD, 0);
    agree(
        "  - volumes: [{name: cache, emptyDir: {medium: Memory}}]\n    expect: '0+'\n",
        &POD.replace("emptyDir: {}", "emptyDir: {medium: Memory}"),
        0,
    );
    let env = "  - env: [{name: TZ, value: UTC}]\n";
    agree(env, &DEPLOYMENT.replace("POD_IP", "TZ"), 0);
    // A defect of the chart's (a duplicate env name), which the general path reports.
    agree(env, &DEPLOYMENT.replace("POD_IP", "POLYAXON_ROLE"), 0);
    // Shapes the position tree does not model, or that the checks read otherwise.
    agree(
        env,
        &DEPLOYMENT.replace("cpu: 300m", "cpu: |\n              300m"),
        0,
    );
    agree(
        env,
        &DEPLOYMENT.replace(
            "      - name: side\n        image: busybox\n",
            "      - {name: side, image: busybox}\n",
        ),
        0,
    );
    agree(
        env,
        &DEPLOYMENT.replace("kind: Deployment", "kind: StatefulSet"),
        0,
    );
    agree(env, &DEPLOYMENT.replace("name: side", "name: 1234"), 0);
    agree(env, &DEPLOYMENT.replace("env:\n        - name: POLYAXON_ROLE\n          value: \"worker\"\n        - name: POD_IP\n          valueFrom: {fieldRef: {fieldPath: status.podIP}}\n", "env: []\n"), 0);
    // A rule that is not simple takes the document out.
    agree(
        &format!("{env}  - match: {{kinds: [Deployment]}}\n    labels: {{x: z}}\n"),
        DEPLOYMENT,
        0,
    );
}

#[test]
fn a_mount_of_a_volume_nowhere_is_left_to_the_checks() {
    let rules = overlays("  - volumeMounts: [{name: nowhere, mountPath: /n}]\n");
    let stream = Stream::read(POD).unwrap();
    let direct = Direct::new(&rules, None, false).unwrap();
    let texts = edit_window(&stream, &BTreeSet::new(), &direct, &|_| true, &[], &|_| {
        None
    })
    .texts;
    assert!(texts.is_empty());
}

#[test]
fn documents_the_caller_excludes_are_not_taken() {
    let rules = overlays(BENCH);
    // How many documents of `text` are taken, with those `reserved`, those `own`ed and the
    // changed ConfigMaps `config`.
    let taken = |text: &str, reserved: &[usize], own: bool, config: &[(String, String)]| {
        let stream = Stream::read(text).unwrap();
        let reserved = reserved.iter().copied().collect();
        let direct = Direct::new(&rules, None, false).unwrap();
        let edited = edit_window(&stream, &reserved, &direct, &|_| own, config, &|_| None);
        edited.texts.len()
    };
    assert_eq!(taken(DEPLOYMENT, &[0], true, &[]), 0);
    assert_eq!(taken(DEPLOYMENT, &[], false, &[]), 0);
    let config = [("polyaxon-config".to_string(), "0".repeat(64))];
    assert_eq!(taken(DEPLOYMENT, &[], true, &config), 1);
    let loads = DEPLOYMENT.replace(
        "        resources:",
        "        envFrom:\n        - configMapRef: {name: polyaxon-config}\n        resources:",
    );
    assert_eq!(taken(&loads, &[], true, &config), 0);
}

/// The `resources` a generated container may have (index 0: none): GPUs requested, limited,
/// not asked for (`0`), in another spelling, or in shapes the direct edits leave to the
/// general path.
const RESOURCES: [&str; 6] = [
    "",
    "resources:\n  limits: {cpu: 1}\n",
    "resources:\n  limits:\n    nvidia.com/gpu: 1\n",
    "resources:\n  requests:\n    cpu: 100m\n    nvidia.com/gpu: \"0\"\n  limits:\n    nvidia.com/gpu: '2'\n",
    "resources:\n  requests:\n    nvidia.com/gpu: 0\n",
    "resources:\n  limits:\n    nvidia.com/gpu: 500m\n",
];

/// A generated pod-bearing document: lists indented or not, containers with or without env,
/// mounts and resources (GPUs among them), volumes before or after the containers, comments
/// after items.
fn document() -> impl Strategy<Value = String> {
    let container = (
        prop::bool::ANY,
        0..3usize,
        0..3usize,
        0..RESOURCES.len(),
        prop::bool::ANY,
    );
    (
        prop::bool::ANY,
        prop::collection::vec(container, 1..4),
        0..3usize,
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(indent, containers, volumes, volumes_last, init, comments)| {
            let dash = if indent { "  - " } else { "- " };
            let more = if indent { "    " } else { "  " };
            let comment = |pad: &str| match comments {
                true => format!("{pad}# note\n"),
                false => String::new(),
            };
            let list = |pad: &str, key: &str, items: &[String]| {
                let mut out = format!("{pad}{key}:\n");
                for item in items {
                    let mut lines = item.lines();
                    out.push_str(&format!("{pad}{dash}{}\n", lines.next().unwrap_or_default()));
                    for line in lines {
                        out.push_str(&format!("{pad}{more}{line}\n"));
                    }
                }
                out.push_str(&comment(pad));
                out
            };
            let pad = "      ";
            let inner = format!("{pad}{more}");
            let mut spec = String::new();
            let vols: Vec<String> = (0..volumes).map(|v| format!("name: vol-{v}\nemptyDir: {{}}")).collect();
            if volumes > 0 && !volumes_last {
                spec.push_str(&list(pad, "volumes", &vols));
            }
            let mut items = Vec::new();
            for (i, (image_last, env, mounts, resources, quoted)) in containers.iter().enumerate() {
                let name = match quoted {
                    true => format!("\"c-{i}\""),
                    false => format!("c-{i}"),
                };
                let mut c = format!("name: {name}\n");
                if !image_last {
                    c.push_str("image: busybox\n");
                }
                if *env > 0 {
                    let envs: Vec<String> = (0..*env).map(|e| format!("name: E{e}\nvalue: \"{e}\"")).collect();
                    c.push_str(&list("", "env", &envs));
                }
                let mounts: Vec<String> = (0..(*mounts).min(volumes)).map(|m| format!("name: vol-{m}\nmountPath: /m/{m}")).collect();
                if !mounts.is_empty() {
                    c.push_str(&list("", "volumeMounts", &mounts));
                }
                c.push_str(RESOURCES[*resources]);
                if *image_last {
                    c.push_str("image: busybox\n");
                }
                items.push(c.trim_end().to_string());
            }
            if init {
                spec.push_str(&list(pad, "initContainers", &["name: c-init\nimage: busybox".to_string()]));
            }
            let _ = inner;
            spec.push_str(&list(pad, "containers", &items));
            if volumes > 0 && volumes_last {
                spec.push_str(&list(pad, "volumes", &vols));
            }
            format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels:\n    role: experiments\nspec:\n  template:\n    spec:\n{spec}"
            )
        })
}

/// Generated simple rules: volumes, mounts and env entries, on some containers or all.
fn rules() -> impl Strategy<Value = String> {
    let rule = (
        prop::option::of(prop::sample::select(vec!["c-0", "c-1", "init", "c-"])),
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
        0..4usize,
    );
    prop::collection::vec(rule, 1..4).prop_map(|rules| {
        let mut out = String::new();
        for (k, (containers, init, volume, mount, env, existing)) in rules.into_iter().enumerate() {
            out.push_str("  - match:\n      kinds: [Deployment]\n");
            if let Some(c) = containers {
                out.push_str(&format!("      containers: '{c}'\n"));
            }
            out.push_str(&format!("      initContainers: {init}\n    expect: '0+'\n"));
            // `existing` names what the document may hold already (then the general path).
            if volume {
                out.push_str(&format!(
                    "    volumes: [{{name: new-{k}, emptyDir: {{}}}}]\n"
                ));
            }
            if mount {
                let volume = if volume {
                    format!("new-{k}")
                } else {
                    "vol-0".to_string()
                };
                let path = if existing == 0 {
                    "/m/0".to_string()
                } else {
                    format!("/new/{k}")
                };
                out.push_str(&format!(
                    "    volumeMounts: [{{name: {volume}, mountPath: '{path}'}}]\n"
                ));
            }
            if env || !(volume || mount) {
                let name = if existing == 1 {
                    "E0".to_string()
                } else {
                    format!("N{k}")
                };
                out.push_str(&format!("    env: [{{name: {name}, value: 'v{k}'}}]\n"));
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_documents_and_rules_agree(doc in document(), rules in rules(), gpu in prop::bool::ANY) {
        // Rules that fail on the general path (a conflict, a mount of a volume nowhere) must
        // have left the document alone here: `compare` says so too.
        let values = if gpu { gpu_values() } else { no_values() };
        let compared = compare(&doc, &values, &overlays(&rules));
        prop_assert!(compared.is_ok(), "{:?}\nrules:\n{}\ndoc:\n{}", compared, rules, doc);
    }

    #[test]
    fn generated_documents_and_the_gpu_injection_agree(doc in document()) {
        let compared = compare(&doc, &gpu_values(), &Overlays::default());
        prop_assert!(compared.is_ok(), "{:?}\ndoc:\n{}", compared, doc);
    }
}

/// The generated GPU cases are not vacuous: the documents with a GPU container are taken, and
/// changed.
#[test]
fn generated_gpu_documents_are_taken() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut gpu, mut taken) = (0, 0);
    for _ in 0..300 {
        let doc = document().new_tree(&mut runner).unwrap().current();
        let asks = ["nvidia.com/gpu: 1", "nvidia.com/gpu: '2'"];
        if asks.iter().any(|a| doc.contains(a)) {
            gpu += 1;
            if let Ok(Compared::Same { taken: t, output }) =
                compare(&doc, &gpu_values(), &Overlays::default())
            {
                assert!(
                    t == 0 || output.contains("name: nvidia-libcuda"),
                    "{output}"
                );
                taken += t;
            }
        }
    }
    assert!(gpu > 50 && taken * 10 >= gpu * 9, "{taken} of {gpu} taken");
}

/// The generated cases above are not vacuous: most of those the general path applies are taken
/// here (the others hold an entry that is there already, or a mount of a volume nowhere).
#[test]
fn most_generated_cases_are_taken() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut taken, mut applied) = (0, 0);
    for _ in 0..300 {
        let doc = document().new_tree(&mut runner).unwrap().current();
        let rules = rules().new_tree(&mut runner).unwrap().current();
        if let Ok(Compared::Same { taken: t, .. }) = compare(&doc, &no_values(), &overlays(&rules))
        {
            applied += 1;
            taken += t;
        }
    }
    assert!(taken * 2 >= applied, "{taken} of {applied} taken");
}

/// The plan's GPU injection with `rules` (may be none) on `text`: both paths agree, and the
/// direct edits took `taken` documents; the output.
fn agree_gpu(rules: &str, text: &str, taken: usize) -> String {
    let rules = match rules {
        "" => Overlays::default(),
        rules => overlays(rules),
    };
    match compare(text, &gpu_values(), &rules) {
        Ok(Compared::Same { output, taken: t }) => {
            assert_eq!(t, taken, "documents taken, stream:\n{text}");
            output
        }
        other => panic!("{other:?}\nstream:\n{text}"),
    }
}

/// A pod with a GPU container, another container and a GPU init container.
const GPU_POD: &str = "\
---
apiVersion: v1
kind: Pod
metadata:
  name: train
spec:
  initContainers:
  - name: warm
    image: cuda
    resources: {limits: {nvidia.com/gpu: 1}}
  containers:
  - name: main
    image: cuda
    resources:
      requests:
        cpu: 1
      limits:
        nvidia.com/gpu: \"2\"
  - name: side
    image: busybox
    resources:
      limits: {cpu: 100m}
";

#[test]
fn the_gpu_injection_writes_what_the_plan_writes() {
    // The GPU init container's limits are a flow mapping that names the resource: the general
    // path's.
    agree_gpu("", GPU_POD, 0);
    let block = GPU_POD.replace(
        "    resources: {limits: {nvidia.com/gpu: 1}}\n",
        "    resources:\n      limits:\n        nvidia.com/gpu: 1\n",
    );
    let out = agree_gpu("", &block, 1);
    assert_eq!(out.matches("name: nvidia-bin\n").count(), 3, "{out}");
    assert_eq!(out.matches("mountPath: /nvidia/bin\n").count(), 2, "{out}");
    assert!(!out.contains(
        "side\n    image: busybox\n    resources:\n      limits: {cpu: 100m}\n    volumeMounts"
    ));
    // With an overlay rule after it, in one edit of the text.
    let out = agree_gpu(
        BENCH,
        &DEPLOYMENT.replace("kind: Deployment", "kind: Deployment\n# nvidia.com/gpu"),
        1,
    );
    assert!(!out.contains("nvidia-lib"), "no GPU container: {out}");
    let asks = DEPLOYMENT.replace(
        "      - name: side\n        image: busybox\n",
        "      - name: side\n        image: busybox\n        resources:\n          limits:\n            nvidia.com/gpu: 1\n",
    );
    let out = agree_gpu(BENCH, &asks, 1);
    let gpu = out
        .find("- name: nvidia-libcuda\n        hostPath")
        .unwrap();
    let scratch = out.find("- name: scratch\n        hostPath").unwrap();
    assert!(gpu < scratch, "the plan's entries come first: {out}");
    // Zero GPUs, in either spelling, ask for none.
    for zero in ["0", "\"0\"", "0.0", "0m"] {
        let none = block.replace("nvidia.com/gpu: 1", &format!("nvidia.com/gpu: {zero}"));
        let none = none.replace("nvidia.com/gpu: \"2\"", &format!("nvidia.com/gpu: {zero}"));
        let out = agree_gpu("", &none, 0);
        assert!(!out.contains("nvidia-lib"), "{out}");
        // Judged here (but for a float, which the fast reader leaves to the event parser): the
        // plan need not read the document.
        if zero == "0.0" {
            continue;
        }
        let stream = Stream::read(&none).unwrap();
        let gpu = Generic::from(&gpu_values()).unwrap();
        let rules = Overlays::default();
        let direct = Direct::new(&rules, Some(Adds::gpu(&gpu)), false).unwrap();
        let edited = edit_window(&stream, &BTreeSet::new(), &direct, &|_| true, &[], &|_| {
            None
        });
        assert!(
            edited.texts.is_empty() && edited.untouched.contains(&0),
            "{none}"
        );
    }
    // A document whose text cannot name the resource is judged without being read, and the
    // plan then leaves it alone too (a rule that does not match it changes nothing of that).
    let stream = Stream::read(DEPLOYMENT).unwrap();
    let gpu = Generic::from(&gpu_values()).unwrap();
    let rules = overlays("  - match: {kinds: [Job]}\n    env: [{name: A, value: b}]\n");
    let direct = Direct::new(&rules, Some(Adds::gpu(&gpu)), false).unwrap();
    let edited = edit_window(&stream, &BTreeSet::new(), &direct, &|_| true, &[], &|_| {
        None
    });
    assert!(edited.texts.is_empty() && edited.untouched.contains(&0));
    agree_gpu("", DEPLOYMENT, 0);
    // Left to the general path: a volume of that name there already (a conflict), a quantity
    // the fast reader does not resolve, an escape that may spell the resource.
    let conflict = block.replace(
        "  containers:\n",
        "  volumes:\n  - name: nvidia-lib\n    emptyDir: {}\n  containers:\n",
    );
    let compared = compare(&conflict, &gpu_values(), &Overlays::default());
    assert_eq!(compared, Ok(Compared::Failed));
    agree_gpu(
        "",
        &block.replace("nvidia.com/gpu: \"2\"", "nvidia.com/gpu: 0x2"),
        0,
    );
    agree_gpu(
        "",
        &block.replace("limits: {cpu: 100m}", "limits: {\"nvidia.com\\/gpu\": 1}"),
        0,
    );
}
