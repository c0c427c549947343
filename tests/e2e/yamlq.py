#!/usr/bin/env python3
"""Query what Helm printed, for the end-to-end tests' assertions.

Reads either a manifest stream (`helm template` output: `---` separated, `# Source:` comments) or,
with --release, the JSON of `helm install --dry-run=client -o json` (its `manifest` and `hooks`).
Commands:
  objects                 one line per document: `Kind/name<TAB>source<TAB>hook|manifest`
  get KIND/NAME PATH      the JSON of the value at PATH (exit 3 when absent), PATH like
                          `spec.template.spec.volumes[name=nvidia-lib].hostPath.path`
  has KIND/NAME PATH      exit 0 when PATH exists, 3 when not
  stream                  every document as a `---` separated YAML stream (hooks included)
  canonical               one line per object, sorted: `Kind/name<TAB>its JSON, keys sorted`
                          (to compare objects whatever their serialisation and order)
Runs with the test venv's python (PyYAML).
"""

import json
import re
import sys

import yaml

SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)
STEP = re.compile(r"([^.\[]+)|\[([^=\]]+)=([^\]]*)\]|\[(\d+)\]")


def split_stream(text, hook_default=False, source_default=""):
    """Documents of a `---` separated stream, with their `# Source:` path."""
    docs = []
    for chunk in SEPARATOR.split(text):
        obj = yaml.safe_load(chunk)
        if obj is None:
            continue
        match = SOURCE.search(chunk)
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        docs.append(
            {
                "source": match.group(1) if match else source_default,
                "hook": hook_default or "helm.sh/hook" in annotations,
                "obj": obj,
            }
        )
    return docs


def release_docs(text):
    """Documents of a release printed by `helm install --dry-run=client -o json`."""
    release = json.loads(text)
    docs = split_stream(release.get("manifest", ""))
    for hook in release.get("hooks") or []:
        for doc in split_stream(hook["manifest"], True, hook.get("path", "")):
            doc["hook"] = True
            docs.append(doc)
    return docs


def ident(obj):
    return "%s/%s" % (obj.get("kind"), (obj.get("metadata") or {}).get("name"))


def walk(value, path):
    """Follow PATH into value; raises KeyError when a step is absent."""
    for name, key, wanted, index in STEP.findall(path):
        if name:
            if not isinstance(value, dict) or name not in value:
                raise KeyError(name)
            value = value[name]
        elif key:
            matches = [v for v in value or [] if isinstance(v, dict) and str(v.get(key)) == wanted]
            if not matches:
                raise KeyError("[%s=%s]" % (key, wanted))
            value = matches[0]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                raise KeyError("[%s]" % index)
            value = value[int(index)]
    return value


def find(docs, wanted):
    found = [d for d in docs if ident(d["obj"]) == wanted]
    if not found:
        sys.exit("yamlq: no document %s (have: %s)" % (wanted, ", ".join(ident(d["obj"]) for d in docs)))
    return found[0]["obj"]


def main(argv):
    release = argv[:1] == ["--release"]
    if release:
        argv = argv[1:]
    if len(argv) < 2:
        sys.exit(__doc__)
    with open(argv[0], encoding="utf-8") as handle:
        text = handle.read()
    docs = release_docs(text) if release else split_stream(text)
    command = argv[1]
    if command == "objects":
        for doc in docs:
            kind = "hook" if doc["hook"] else "manifest"
            print("%s\t%s\t%s" % (ident(doc["obj"]), doc["source"], kind))
        return 0
    if command == "stream":
        for doc in docs:
            sys.stdout.write("---\n" + yaml.safe_dump(doc["obj"], sort_keys=False))
        return 0
    if command == "canonical":
        for line in sorted("%s\t%s" % (ident(d["obj"]), json.dumps(d["obj"], sort_keys=True)) for d in docs):
            print(line)
        return 0
    if command in ("get", "has") and len(argv) == 4:
        try:
            value = walk(find(docs, argv[2]), argv[3])
        except KeyError as missing:
            if command == "get":
                print("yamlq: %s: %s has no %s" % (argv[2], argv[3], missing), file=sys.stderr)
            return 3
        if command == "get":
            print(json.dumps(value, sort_keys=True))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
