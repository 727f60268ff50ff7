#!/usr/bin/env python3
"""Captures the protobuf request bodies kubectl 1.32 sends, as test fixtures.

Runs a minimal Kubernetes API server over plain HTTP on 127.0.0.1 (enough discovery for kubectl
to proceed; kubectl sends no credentials over HTTP, but the bodies are the same), runs each
command of COMMANDS against it with a throwaway kubeconfig and cache, and saves every request
body sent as `application/vnd.kubernetes.protobuf` to `<out>/<name>.pb` (`<name>.2.pb`, ... for
a command sending several; a body sent as JSON goes to `<name>.body.json` instead). For commands that support it, the same command with
`--dry-run=client -o json` is run too and its output saved to `<name>.kubectl.json`: kubectl's own
JSON rendering of the object it sends. `<out>/commands.txt` lists every fixture with its command.

    python3 hub/api/protobuf/capture.py [--kubectl PATH] [--out DIR]
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "protobuf")

# (fixture name, kubectl arguments, whether `--dry-run=client -o json` applies). `drain` is here
# to show that its eviction is sent as JSON, not protobuf (saved as `drain.body.json`).
COMMANDS = [
    ("configmap", "create configmap cm --from-literal=a=b --from-literal=empty=", True),
    ("secret", "create secret generic s --from-literal=a=b --from-literal=bin=\u00e9t\u00e9", True),
    ("secret-tls-like", "create secret docker-registry reg --docker-server=r.example.com "
     "--docker-username=u --docker-password=p", True),
    ("namespace", "create namespace ns1", True),
    ("deployment", "create deployment web --image=nginx --replicas=2 --port=80", True),
    ("deployment-zero", "create deployment idle --image=busybox --replicas=0 -- sleep 3600", True),
    ("service", "create service clusterip svc --tcp=80:8080", True),
    ("service-nodeport", "create service nodeport np --tcp=443:8443 --node-port=30443", True),
    ("serviceaccount", "create serviceaccount sa", True),
    ("role", "create role r --verb=get --verb=list --resource=pods "
     "--resource-name=p1", True),
    ("rolebinding", "create rolebinding rb --role=r --user=alice "
     "--serviceaccount=default:sa", True),
    ("clusterrole", "create clusterrole cr --verb=get "
     "--resource=deployments.apps,pods/log --non-resource-url=/healthz", True),
    ("clusterrole-aggregate", "create clusterrole agg "
     "--aggregation-rule=rbac.example.com/aggregate-to-agg=true", True),
    ("clusterrolebinding", "create clusterrolebinding crb --clusterrole=cr --group=devs", True),
    ("job", "create job j --image=busybox -- echo hi", True),
    ("cronjob", "create cronjob c --image=busybox --schedule=*/1_*_*_*_* -- date", True),
    ("ingress", "create ingress ing --rule=foo.com/bar=svc1:8080 "
     "--rule=tls.example.com/*=svc2:https,tls=cert --class=nginx "
     "--annotation=a.example.com/x=y", True),
    ("pdb", "create poddisruptionbudget p --selector=app=x --min-available=1", True),
    ("pdb-percent", "create pdb pp --selector=app=y --max-unavailable=50%", True),
    ("priorityclass", "create priorityclass high --value=1000 --description=important "
     "--preemption-policy=Never", True),
    ("quota", "create quota q --hard=pods=2,requests.cpu=500m,requests.memory=1Gi "
     "--scopes=NotTerminating", True),
    ("token", "create token sa --duration=10m --audience=api --audience=vault", False),
    ("token-bound", "create token sa --bound-object-kind=Pod --bound-object-name=p1 "
     "--bound-object-uid=0e0c4a2f-1b2c-4d5e-8f90-123456789abc", False),
    ("can-i", "auth can-i create deployments.apps", False),
    ("can-i-subresource", "auth can-i get pods --subresource=log -n kube-system", False),
    ("can-i-nonresource", "auth can-i get /healthz", False),
    ("can-i-list", "auth can-i --list -n default", False),
    ("whoami", "auth whoami", False),
    ("drain", "drain n1 --force --ignore-daemonsets --delete-emptydir-data "
     "--grace-period=30 --timeout=5s", False),
    ("autoscale", "autoscale deployment web --min=2 --max=5 --cpu-percent=80", False),
]

GROUPS = {
    "apps": ["v1"], "batch": ["v1"], "networking.k8s.io": ["v1"], "policy": ["v1"],
    "rbac.authorization.k8s.io": ["v1"], "scheduling.k8s.io": ["v1"],
    "autoscaling": ["v2", "v1"], "authorization.k8s.io": ["v1"],
    "authentication.k8s.io": ["v1"],
}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def resource(name, kind, namespaced=True, verbs=VERBS, group=None, version=None):
    r = {"name": name, "singularName": kind.lower() if "/" not in name else "",
         "namespaced": namespaced, "kind": kind, "verbs": verbs}
    if group is not None:
        r["group"], r["version"] = group, version
    return r


RESOURCES = {
    "v1": [
        resource("configmaps", "ConfigMap"), resource("secrets", "Secret"),
        resource("namespaces", "Namespace", False), resource("services", "Service"),
        resource("serviceaccounts", "ServiceAccount"),
        resource("serviceaccounts/token", "TokenRequest", verbs=["create"],
                 group="authentication.k8s.io", version="v1"),
        resource("resourcequotas", "ResourceQuota"), resource("pods", "Pod"),
        resource("pods/eviction", "Eviction", verbs=["create"], group="policy", version="v1"),
        resource("nodes", "Node", False),
    ],
    "apps/v1": [resource("deployments", "Deployment"),
                resource("deployments/scale", "Scale", verbs=["get", "patch", "update"],
                         group="autoscaling", version="v1"),
                resource("replicasets", "ReplicaSet")],
    "batch/v1": [resource("jobs", "Job"), resource("cronjobs", "CronJob")],
    "networking.k8s.io/v1": [resource("ingresses", "Ingress")],
    "policy/v1": [resource("poddisruptionbudgets", "PodDisruptionBudget")],
    "rbac.authorization.k8s.io/v1": [
        resource("roles", "Role"), resource("rolebindings", "RoleBinding"),
        resource("clusterroles", "ClusterRole", False),
        resource("clusterrolebindings", "ClusterRoleBinding", False)],
    "scheduling.k8s.io/v1": [resource("priorityclasses", "PriorityClass", False)],
    "autoscaling/v2": [resource("horizontalpodautoscalers", "HorizontalPodAutoscaler")],
    "autoscaling/v1": [resource("horizontalpodautoscalers", "HorizontalPodAutoscaler")],
    "authorization.k8s.io/v1": [
        resource("selfsubjectaccessreviews", "SelfSubjectAccessReview", False, ["create"]),
        resource("selfsubjectrulesreviews", "SelfSubjectRulesReview", False, ["create"])],
    "authentication.k8s.io/v1": [
        resource("selfsubjectreviews", "SelfSubjectReview", False, ["create"])],
}

NODE = {"kind": "Node", "apiVersion": "v1",
        "metadata": {"name": "n1", "uid": "4a6c3b8e-0000-4000-8000-000000000001",
                     "resourceVersion": "1"}, "spec": {}, "status": {}}
POD = {"kind": "Pod", "apiVersion": "v1",
       "metadata": {"name": "p1", "namespace": "default",
                    "uid": "4a6c3b8e-0000-4000-8000-000000000002", "resourceVersion": "2"},
       "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "nginx"}]},
       "status": {"phase": "Running"}}
DEPLOYMENT = {"kind": "Deployment", "apiVersion": "apps/v1",
              "metadata": {"name": "web", "namespace": "default", "resourceVersion": "3",
                           "uid": "4a6c3b8e-0000-4000-8000-000000000003"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "nginx",
                                                             "image": "nginx"}]}}},
              "status": {}}


def envelope_type(body):
    """(apiVersion, kind) from a `k8s\\0` + runtime.Unknown body."""
    fields = dict(proto_fields(body[4:]))
    type_meta = dict(proto_fields(fields.get(1, b"")))
    return type_meta.get(1, b"").decode(), type_meta.get(2, b"").decode()


def proto_fields(data):
    """(number, bytes) of the length-delimited fields of a message (enough for TypeMeta)."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = varint(data, i)
        elif wire == 2:
            n, i = varint(data, i)
            yield number, data[i:i + n]
            i += n
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            return


def varint(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


class Server(ThreadingHTTPServer):
    current = None  # fixture name of the command running
    count = 0
    log = []
    saved = []  # (file name, content type) of the bodies the current command sent


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        self.server.log.append(f"GET {self.path}")
        if path == "/version":
            return self.reply(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.5",
                                    "platform": "linux/amd64"})
        if path == "/api":
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            groups = [{"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v}
                                               for v in vs],
                       "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
                      for g, vs in GROUPS.items()]
            return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                    "groups": groups})
        gv = path[len("/api/"):] if path == "/api/v1" else path[len("/apis/"):]
        if gv in RESOURCES:
            return self.reply(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                    "groupVersion": gv, "resources": RESOURCES[gv]})
        if path == "/api/v1/nodes/n1":
            return self.reply(200, NODE)
        if path == "/api/v1/pods":
            return self.reply(200, {"kind": "PodList", "apiVersion": "v1",
                                    "metadata": {"resourceVersion": "2"}, "items": [POD]})
        if path == "/apis/apps/v1/namespaces/default/deployments/web":
            return self.reply(200, DEPLOYMENT)
        return self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                "reason": "NotFound", "code": 404, "message": "not found"})

    def do_PATCH(self):
        self.server.log.append(f"PATCH {self.path}")
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        return self.reply(200, dict(NODE, spec={"unschedulable": True}))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        content_type = self.headers.get("Content-Type", "")
        self.server.log.append(f"POST {self.path} {content_type}")
        self.server.count += 1
        suffix = "" if self.server.count == 1 else f".{self.server.count}"
        protobuf = content_type == "application/vnd.kubernetes.protobuf"
        name = f"{self.server.current}{suffix}.{'pb' if protobuf else 'body.json'}"
        self.server.saved.append((name, content_type))
        with open(os.path.join(self.server.out, name), "wb") as f:
            f.write(body)
        if not protobuf:
            obj = json.loads(body)
            return self.reply(201, {"kind": "Status", "apiVersion": "v1", "status": "Success",
                                    "code": 201} if obj.get("kind") == "Eviction" else obj)
        api_version, kind = envelope_type(body)
        obj = {"kind": kind, "apiVersion": api_version,
               "metadata": {"name": "x", "namespace": "default"}}
        if kind == "SelfSubjectAccessReview":
            obj["status"] = {"allowed": True}
        elif kind == "SelfSubjectRulesReview":
            obj["status"] = {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"],
                                                "resources": ["*"]}],
                             "nonResourceRules": [], "incomplete": False}
        elif kind == "SelfSubjectReview":
            obj["status"] = {"userInfo": {"username": "alice", "groups": ["devs"]}}
        elif kind == "TokenRequest":
            obj["status"] = {"token": "t0k3n", "expirationTimestamp": "2030-01-01T00:00:00Z"}
        return self.reply(201, obj)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubectl", default=KUBECTL)
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    server = Server(("127.0.0.1", 0), Handler)
    server.out = args.out
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    index = []
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, KUBECACHEDIR=os.path.join(home, "cache"),
                   KUBECONFIG=os.path.join(home, "config"))
        common = [args.kubectl, "--server", f"http://127.0.0.1:{port}", "-n", "default"]
        for name, command, dry_run in COMMANDS:
            argv = [a.replace("_", " ") if a.startswith("--schedule=") else a
                    for a in shlex.split(command)]
            server.current, server.count, server.log, server.saved = name, 0, [], []
            run = subprocess.run(common + argv, env=env, capture_output=True, text=True,
                                 timeout=60)
            shown = "kubectl " + shlex.join(argv)
            print(f"{name}: {shown}\n  exit {run.returncode}: {(run.stdout + run.stderr).strip()}")
            if server.count == 0:
                sys.exit(f"{name}: no body was sent; requests: {server.log}")
            for file, content_type in server.saved:
                index.append(f"{file}: {shown}" + ("" if file.endswith(".pb") else
                                                   f"  (sent as {content_type})"))
            if dry_run:
                cut = argv.index("--") if "--" in argv else len(argv)
                dry = argv[:cut] + ["--dry-run=client", "-o", "json"] + argv[cut:]
                out = subprocess.run(common + dry,
                                     env=env, capture_output=True, text=True, timeout=60,
                                     check=True).stdout
                with open(os.path.join(args.out, f"{name}.kubectl.json"), "w") as f:
                    f.write(out)
                index.append(f"{name}.kubectl.json: kubectl {shlex.join(dry)}")
    version = subprocess.run([args.kubectl, "version", "--client"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    with open(os.path.join(args.out, "commands.txt"), "w") as f:
        f.write(f"# Captured by hub/api/protobuf/capture.py with {version}; "
                "each command also had `-n default`.\n")
        f.write("\n".join(index) + "\n")
    server.shutdown()


if __name__ == "__main__":
    main()
