#!/usr/bin/env python3
"""A read-only stand-in for a Kubernetes API server, enough for Helm 3's `install --dry-run=client`.

Helm 3 (3.15 to 3.21) still checks that the cluster is reachable and maps every object's kind
through API discovery in `install --dry-run=client` (helm/helm#13144, #30514); Helm 4 does not.
This server answers discovery (`/version`, `/api`, `/apis`, the group versions the test chart
uses) and empty lists for Helm's release storage, and nothing else. Use with
`--disable-openapi-validation` (it serves no OpenAPI). Usage: fake_apiserver.py PORT_FILE; it
binds a free port on 127.0.0.1 and writes the port to PORT_FILE once it listens.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

RESOURCES = {
    "v1": [
        ("configmaps", "ConfigMap", True),
        ("secrets", "Secret", True),
        ("serviceaccounts", "ServiceAccount", True),
        ("services", "Service", True),
        ("namespaces", "Namespace", False),
    ],
    "apps/v1": [("deployments", "Deployment", True), ("daemonsets", "DaemonSet", True)],
    "batch/v1": [("jobs", "Job", True)],
}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def resource_list(group_version):
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {"name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": VERBS}
            for name, kind, namespaced in RESOURCES[group_version]
        ],
    }


def group_list():
    groups = []
    for group_version in RESOURCES:
        if "/" in group_version:
            group, version = group_version.split("/")
            entry = {"groupVersion": group_version, "version": version}
            groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def answer(path):
    if path == "/version":
        return {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"}
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    if path == "/apis":
        return group_list()
    if path == "/api/v1":
        return resource_list("v1")
    if path.startswith("/apis/") and path[len("/apis/"):] in RESOURCES:
        return resource_list(path[len("/apis/"):])
    if path.endswith("/secrets") or path.endswith("/configmaps"):
        return {"kind": "List", "apiVersion": "v1", "items": [], "metadata": {}}
    return None


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = answer(self.path.split("?")[0])
        status = 200 if body is not None else 404
        if body is None:
            body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    server = HTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
