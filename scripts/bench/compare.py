#!/usr/bin/env python3
"""Checks that polyaxon-pr and kustomize did the same job on a benchmark stream.

The overlay job (default): for every Deployment of both outputs, the `scratch` volume, and per
container the `scratch` mount and the `TZ` env entry. Both outputs must hold the same
Deployments and carry identical injected objects: the volume and mounts exactly in the
`role: experiments` ones, `TZ` in every container.

The generic GPU job (`--gpu INPUT`): every Deployment of both outputs is compared whole with the
other output and with the input plus what the job adds, where the Deployment's containers ask for
`nvidia.com/gpu`: the hostPath volumes `nvidia-lib`, `nvidia-bin` and `nvidia-libcuda`, in each
such container their read-only mounts and `LD_LIBRARY_PATH`; every other Deployment unchanged.
Documents are compared as parsed YAML, and the lists whose entries have a name (volumes,
containers, volumeMounts, env) by name, so key order, list order and comments do not count.
Needs PyYAML.

    compare.py POLYAXON_PR_OUTPUT KUSTOMIZE_OUTPUT
    compare.py --gpu INPUT POLYAXON_PR_OUTPUT KUSTOMIZE_OUTPUT
"""
import copy
import sys

import yaml

VOLUME = {"name": "scratch", "hostPath": {"path": "/mnt/scratch", "type": "DirectoryOrCreate"}}
MOUNT = {"name": "scratch", "mountPath": "/scratch"}
ENV = {"name": "TZ", "value": "UTC"}


def injected(path):
    """Deployment name -> (role, scratch volumes, {container: (scratch mounts, TZ entries)})."""
    found = {}
    with open(path, encoding="utf-8") as f:
        for doc in yaml.safe_load_all(f):
            if not doc or doc.get("kind") != "Deployment":
                continue
            meta = doc["metadata"]
            spec = doc["spec"]["template"]["spec"]
            volumes = [v for v in spec.get("volumes") or [] if v.get("name") == "scratch"]
            containers = {
                c["name"]: (
                    [m for m in c.get("volumeMounts") or [] if m.get("name") == "scratch"],
                    [e for e in c.get("env") or [] if e.get("name") == "TZ"],
                )
                for c in spec["containers"]
            }
            found[meta["name"]] = (meta.get("labels", {}).get("role"), volumes, containers)
    return found


NVIDIA = {
    "nvidia-lib": "/usr/lib/nvidia",
    "nvidia-bin": "/usr/lib/nvidia/bin",
    "nvidia-libcuda": "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
}
LD_LIBRARY_PATH = "/usr/lib/nvidia:/usr/lib/x86_64-linux-gnu/libcuda.so.1"


def deployments(path):
    """Deployment name -> document."""
    with open(path, encoding="utf-8") as f:
        return {d["metadata"]["name"]: d for d in yaml.safe_load_all(f) if d and d.get("kind") == "Deployment"}


def by_name(entries):
    return {e["name"]: e for e in entries or []}


def normal(doc):
    """The document with its named lists as maps by name."""
    doc = copy.deepcopy(doc)
    spec = doc["spec"]["template"]["spec"]
    spec["volumes"] = by_name(spec.get("volumes"))
    containers = {}
    for c in spec["containers"]:
        c["volumeMounts"] = by_name(c.get("volumeMounts"))
        c["env"] = by_name(c.get("env"))
        containers[c["name"]] = c
    spec["containers"] = containers
    return doc


def wants_gpu(container):
    return "nvidia.com/gpu" in ((container.get("resources") or {}).get("limits") or {})


def expected_gpu(doc):
    """The input document as the generic GPU job leaves it (normalised)."""
    doc = normal(doc)
    spec = doc["spec"]["template"]["spec"]
    gpu = [c for c in spec["containers"].values() if wants_gpu(c)]
    if gpu:
        for name, path in NVIDIA.items():
            spec["volumes"][name] = {"name": name, "hostPath": {"path": path}}
    for c in gpu:
        for name, path in NVIDIA.items():
            c["volumeMounts"][name] = {"name": name, "mountPath": path, "readOnly": True}
        c["env"]["LD_LIBRARY_PATH"] = {"name": "LD_LIBRARY_PATH", "value": LD_LIBRARY_PATH}
    return doc, bool(gpu)


def main_gpu(input_path, ours_path, theirs_path):
    given, ours, theirs = deployments(input_path), deployments(ours_path), deployments(theirs_path)
    problems = []
    if not given.keys() == ours.keys() == theirs.keys():
        problems.append(f"different Deployments: {sorted((given.keys() ^ ours.keys()) | (given.keys() ^ theirs.keys()))[:5]}")
    edited = 0
    for name in sorted(given.keys() & ours.keys() & theirs.keys()):
        want, gpu = expected_gpu(given[name])
        edited += gpu
        for tool, got in (("polyaxon-pr", ours[name]), ("kustomize", theirs[name])):
            if normal(got) != want:
                problems.append(f"{name}: {tool} did not do the job: {normal(got)['spec']['template']['spec']}")
    if problems:
        print("compare: MISMATCH\n  " + "\n  ".join(problems[:10]))
        sys.exit(1)
    print(f"compare: the same {len(ours)} Deployments, whole, from both tools ({edited} with the GPU volumes, "
          "mounts and LD_LIBRARY_PATH, the others unchanged)")


def main():
    if sys.argv[1] == "--gpu":
        main_gpu(*sys.argv[2:5])
        return
    ours, theirs = injected(sys.argv[1]), injected(sys.argv[2])
    problems = []
    if ours.keys() != theirs.keys():
        problems.append(f"different Deployments: {sorted(ours.keys() ^ theirs.keys())[:5]}")
    for name in sorted(ours.keys() & theirs.keys()):
        if ours[name] != theirs[name]:
            problems.append(f"{name}: polyaxon-pr {ours[name]} != kustomize {theirs[name]}")
            continue
        role, volumes, containers = ours[name]
        want = role == "experiments"
        if volumes != ([VOLUME] if want else []):
            problems.append(f"{name}: scratch volumes {volumes}")
        for cname, (mounts, env) in containers.items():
            if (mounts, env) != ([MOUNT] if want else [], [ENV]):
                problems.append(f"{name}/{cname}: mounts {mounts}, env {env}")
    touched = sum(1 for role, _, _ in ours.values() if role == "experiments")
    if problems:
        print("compare: MISMATCH\n  " + "\n  ".join(problems[:10]))
        sys.exit(1)
    print(f"compare: same injected objects in {len(ours)} Deployments ({touched} with the volume, all with TZ)")


if __name__ == "__main__":
    main()
