#!/usr/bin/env python3
"""Checks that polyaxon-pr and kustomize injected the same objects into a benchmark stream.

For every Deployment of both outputs: the `scratch` volume, and per container the `scratch`
mount and the `TZ` env entry. Both outputs must hold the same Deployments and carry identical
injected objects: the volume and mounts exactly in the `role: experiments` ones, `TZ` in every
container. Needs PyYAML.

    compare.py POLYAXON_PR_OUTPUT KUSTOMIZE_OUTPUT
"""
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


def main():
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
