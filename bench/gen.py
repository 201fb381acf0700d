#!/usr/bin/env python3
"""Generate a deterministic tree of Kubernetes manifests for the benchmark.

Writes OUT (default bench/work/tree/) with N workload objects (default 10,000:
Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods) spread over about
N/10 multi-document YAML files in team directories, plus Services and
ConfigMaps beside them. Settings are a seeded mix of hardened and insecure
ones, so every scanner has real findings to report and real objects to pass.

No dependencies beyond the standard library; the same arguments always give
byte-identical output.

    python3 bench/gen.py [--out DIR] [--objects N] [--files F] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys

WORKLOAD_KINDS = [
    # kind, weight
    ("Deployment", 45),
    ("StatefulSet", 10),
    ("DaemonSet", 8),
    ("CronJob", 12),
    ("Job", 10),
    ("Pod", 15),
]

IMAGES = [
    "nginx",
    "redis",
    "postgres",
    "busybox",
    "python",
    "node",
    "golang",
    "envoyproxy/envoy",
    "ghcr.io/acme/api",
    "ghcr.io/acme/worker",
    "registry.example.com/payments/ledger",
    "quay.io/prometheus/node-exporter",
]

ROLES = ["api", "web", "worker", "cache", "db", "exporter", "proxy", "batch", "sync", "gateway"]
SENSITIVE_HOST_PATHS = ["/var/run/docker.sock", "/", "/etc", "/var/lib/kubelet", "/proc"]
RISKY_CAPS = ["NET_ADMIN", "SYS_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_MODULE"]


def q(value: str) -> str:
    """A YAML scalar that is always read back as the same string."""
    return json.dumps(value)


class Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + text)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def image_ref(rng: random.Random, hardened: bool) -> str:
    name = rng.choice(IMAGES)
    if hardened or rng.random() < 0.3:
        digest = "".join(rng.choice("0123456789abcdef") for _ in range(64))
        return f"{name}@sha256:{digest}"
    return f"{name}:{rng.choice(['latest', '1.25', '3.11-slim', 'stable', '7'])}" if rng.random() < 0.8 else name


def security_profile(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return "hardened"
    if r < 0.80:
        return "default"
    return "insecure"


def container(w: Writer, indent: int, rng: random.Random, name: str, profile: str, init: bool) -> None:
    hardened = profile == "hardened"
    insecure = profile == "insecure"
    w.line(indent, f"- name: {name}")
    i = indent + 2
    w.line(i, f"image: {q(image_ref(rng, hardened))}")
    if rng.random() < 0.5:
        w.line(i, f"imagePullPolicy: {rng.choice(['Always', 'IfNotPresent'])}")
    if rng.random() < 0.4:
        w.line(i, "args:")
        for arg in rng.sample(["--port=8080", "--log-level=info", "--metrics", "--config=/etc/app/config.yaml", "--verbose"], k=rng.randint(1, 3)):
            w.line(i, f"- {q(arg)}")
    if not init:
        w.line(i, "ports:")
        for p in range(rng.randint(1, 2)):
            w.line(i, f"- containerPort: {8080 + p}")
            w.line(i + 2, f"name: {['http', 'metrics'][p]}")
            if insecure and rng.random() < 0.3:
                w.line(i + 2, f"hostPort: {30000 + rng.randint(0, 2000)}")
    w.line(i, "env:")
    for e in range(rng.randint(1, 4)):
        key = rng.choice(["LOG_LEVEL", "REGION", "FEATURE_FLAGS", "DB_HOST", "CACHE_TTL", "MODE"]) + f"_{e}"
        w.line(i, f"- name: {key}")
        w.line(i + 2, f"value: {q(rng.choice(['info', 'eu-west-1', 'a,b,c', 'db.internal', '300', 'prod']))}")
    if rng.random() < 0.5:
        w.line(i, "- name: DB_PASSWORD")
        w.line(i + 2, "valueFrom:")
        w.line(i + 4, "secretKeyRef:")
        w.line(i + 6, "name: db-credentials")
        w.line(i + 6, "key: password")
    if hardened or rng.random() < 0.5:
        w.line(i, "resources:")
        w.line(i + 2, "requests:")
        w.line(i + 4, f"cpu: {q(rng.choice(['50m', '100m', '250m']))}")
        w.line(i + 4, f"memory: {q(rng.choice(['64Mi', '128Mi', '256Mi']))}")
        if hardened or rng.random() < 0.5:
            w.line(i + 2, "limits:")
            w.line(i + 4, f"cpu: {q(rng.choice(['500m', '1', '2']))}")
            w.line(i + 4, f"memory: {q(rng.choice(['256Mi', '512Mi', '1Gi']))}")
    if not init and (hardened or rng.random() < 0.4):
        w.line(i, "livenessProbe:")
        w.line(i + 2, "httpGet: {path: /healthz, port: http}")
        w.line(i + 2, f"initialDelaySeconds: {rng.choice([5, 10, 15])}")
        w.line(i, "readinessProbe:")
        w.line(i + 2, "httpGet: {path: /ready, port: http}")
    if hardened:
        w.line(i, "securityContext:")
        w.line(i + 2, "allowPrivilegeEscalation: false")
        w.line(i + 2, "readOnlyRootFilesystem: true")
        w.line(i + 2, "runAsNonRoot: true")
        w.line(i + 2, f"runAsUser: {rng.choice([1000, 10001, 65532])}")
        w.line(i + 2, "capabilities:")
        w.line(i + 4, "drop: [\"ALL\"]")
        if rng.random() < 0.1:
            w.line(i + 4, "add: [\"NET_BIND_SERVICE\"]")
        w.line(i + 2, "seccompProfile:")
        w.line(i + 4, "type: RuntimeDefault")
    elif insecure:
        w.line(i, "securityContext:")
        choices = rng.sample(["privileged", "escalation", "root", "caps", "procmount", "writable"], k=rng.randint(1, 3))
        if "privileged" in choices:
            w.line(i + 2, "privileged: true")
        if "escalation" in choices:
            w.line(i + 2, "allowPrivilegeEscalation: true")
        if "root" in choices:
            w.line(i + 2, "runAsUser: 0")
        if "caps" in choices:
            w.line(i + 2, "capabilities:")
            w.line(i + 4, "add: [" + ", ".join(q(c) for c in rng.sample(RISKY_CAPS, k=rng.randint(1, 2))) + "]")
        if "procmount" in choices:
            w.line(i + 2, "procMount: Unmasked")
        if "writable" in choices:
            w.line(i + 2, "readOnlyRootFilesystem: false")
    elif rng.random() < 0.5:
        # A partial context: some fields set, others left to defaults.
        w.line(i, "securityContext:")
        w.line(i + 2, f"allowPrivilegeEscalation: {rng.choice(['false', 'true'])}")
        if rng.random() < 0.5:
            w.line(i + 2, "runAsNonRoot: true")
    w.line(i, "volumeMounts:")
    w.line(i, "- name: config")
    w.line(i + 2, "mountPath: /etc/app")
    w.line(i + 2, "readOnly: true")
    if rng.random() < 0.3:
        w.line(i, "- name: scratch")
        w.line(i + 2, "mountPath: /tmp")


def pod_spec(w: Writer, indent: int, rng: random.Random, app: str, profile: str, kind: str) -> None:
    hardened = profile == "hardened"
    insecure = profile == "insecure"
    i = indent
    if kind in ("Job", "CronJob"):
        w.line(i, f"restartPolicy: {rng.choice(['OnFailure', 'Never'])}")
    if rng.random() < 0.6:
        w.line(i, f"serviceAccountName: {app}")
    if hardened or rng.random() < 0.2:
        w.line(i, "automountServiceAccountToken: false")
    if insecure:
        for flag in rng.sample(["hostNetwork", "hostPID", "hostIPC"], k=rng.randint(0, 2)):
            w.line(i, f"{flag}: true")
    if hardened:
        w.line(i, "securityContext:")
        w.line(i + 2, "runAsNonRoot: true")
        w.line(i + 2, f"fsGroup: {rng.choice([1000, 2000])}")
        w.line(i + 2, "seccompProfile:")
        w.line(i + 4, "type: RuntimeDefault")
    elif insecure and rng.random() < 0.4:
        w.line(i, "securityContext:")
        w.line(i + 2, "runAsUser: 0")
        if rng.random() < 0.5:
            w.line(i + 2, "sysctls:")
            w.line(i + 2, "- name: kernel.shm_rmid_forced")
            w.line(i + 4, "value: \"1\"")
    if rng.random() < 0.3:
        w.line(i, "nodeSelector:")
        w.line(i + 2, f"kubernetes.io/os: linux")
    if rng.random() < 0.2:
        w.line(i, "tolerations:")
        w.line(i, "- key: dedicated")
        w.line(i + 2, "operator: Equal")
        w.line(i + 2, f"value: {app}")
        w.line(i + 2, "effect: NoSchedule")
    if rng.random() < 0.25:
        w.line(i, "initContainers:")
        container(w, i, rng, "init", profile if rng.random() < 0.8 else security_profile(rng), init=True)
    w.line(i, "containers:")
    n = 1 if rng.random() < 0.7 else rng.randint(2, 3)
    for c in range(n):
        container(w, i, rng, app if c == 0 else f"sidecar-{c}", profile if c == 0 or rng.random() < 0.7 else security_profile(rng), init=False)
    w.line(i, "volumes:")
    w.line(i, "- name: config")
    w.line(i + 2, "configMap:")
    w.line(i + 4, f"name: {app}-config")
    w.line(i, "- name: scratch")
    w.line(i + 2, "emptyDir: {}")
    if insecure and rng.random() < 0.4:
        w.line(i, "- name: host")
        w.line(i + 2, "hostPath:")
        w.line(i + 4, f"path: {rng.choice(SENSITIVE_HOST_PATHS)}")


def metadata(w: Writer, indent: int, rng: random.Random, name: str, ns: str, app: str, team: str) -> None:
    w.line(indent, "metadata:")
    w.line(indent + 2, f"name: {name}")
    if rng.random() < 0.9:
        w.line(indent + 2, f"namespace: {ns}")
    w.line(indent + 2, "labels:")
    w.line(indent + 4, f"app.kubernetes.io/name: {app}")
    w.line(indent + 4, f"app.kubernetes.io/part-of: {team}")
    w.line(indent + 4, "app.kubernetes.io/managed-by: kustomize")
    if rng.random() < 0.4:
        w.line(indent + 2, "annotations:")
        w.line(indent + 4, f"owner: {q(team + '@example.com')}")
        if rng.random() < 0.5:
            w.line(indent + 4, "prometheus.io/scrape: \"true\"")


def template(w: Writer, indent: int, rng: random.Random, app: str, profile: str, kind: str) -> None:
    w.line(indent, "template:")
    w.line(indent + 2, "metadata:")
    w.line(indent + 4, "labels:")
    w.line(indent + 6, f"app.kubernetes.io/name: {app}")
    w.line(indent + 2, "spec:")
    pod_spec(w, indent + 4, rng, app, profile, kind)


def workload(w: Writer, rng: random.Random, kind: str, name: str, ns: str, team: str) -> None:
    profile = security_profile(rng)
    api = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1",
           "CronJob": "batch/v1", "Job": "batch/v1", "Pod": "v1"}[kind]
    w.line(0, f"apiVersion: {api}")
    w.line(0, f"kind: {kind}")
    metadata(w, 0, rng, name, ns, name, team)
    w.line(0, "spec:")
    if kind == "Pod":
        pod_spec(w, 2, rng, name, profile, kind)
        return
    if kind in ("Deployment", "StatefulSet"):
        w.line(2, f"replicas: {rng.choice([1, 2, 3, 5])}")
    if kind == "StatefulSet":
        w.line(2, f"serviceName: {name}")
    if kind == "CronJob":
        w.line(2, f"schedule: {q(rng.choice(['*/5 * * * *', '0 3 * * *', '15 */2 * * *']))}")
        w.line(2, "concurrencyPolicy: Forbid")
        w.line(2, "jobTemplate:")
        w.line(4, "spec:")
        w.line(6, f"backoffLimit: {rng.choice([0, 2, 6])}")
        template(w, 6, rng, name, profile, kind)
        return
    if kind == "Job":
        w.line(2, f"backoffLimit: {rng.choice([0, 2, 6])}")
        template(w, 2, rng, name, profile, kind)
        return
    w.line(2, "selector:")
    w.line(4, "matchLabels:")
    w.line(6, f"app.kubernetes.io/name: {name}")
    template(w, 2, rng, name, profile, kind)


def service(w: Writer, rng: random.Random, name: str, ns: str, team: str) -> None:
    w.line(0, "apiVersion: v1")
    w.line(0, "kind: Service")
    metadata(w, 0, rng, name, ns, name, team)
    w.line(0, "spec:")
    w.line(2, f"type: {rng.choices(['ClusterIP', 'NodePort', 'LoadBalancer'], weights=[80, 12, 8])[0]}")
    w.line(2, "selector:")
    w.line(4, f"app.kubernetes.io/name: {name}")
    w.line(2, "ports:")
    w.line(2, "- name: http")
    w.line(4, "port: 80")
    w.line(4, "targetPort: http")


def config_map(w: Writer, rng: random.Random, name: str, ns: str, team: str) -> None:
    w.line(0, "apiVersion: v1")
    w.line(0, "kind: ConfigMap")
    metadata(w, 0, rng, f"{name}-config", ns, name, team)
    w.line(0, "data:")
    w.line(2, "LOG_LEVEL: info")
    w.line(2, "config.yaml: |")
    w.line(4, "server:")
    w.line(6, f"port: {rng.choice([8080, 9090])}")
    w.line(6, f"timeout: {rng.choice(['5s', '30s'])}")
    w.line(4, "features: [a, b, c]")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", "tree"))
    ap.add_argument("--objects", type=int, default=10_000, help="workload objects to write")
    ap.add_argument("--files", type=int, default=1_000, help="files to spread them over")
    ap.add_argument("--seed", type=int, default=20240611)
    args = ap.parse_args()
    if args.objects < 1 or args.files < 1 or args.files > args.objects:
        ap.error("need 1 <= --files <= --objects")

    rng = random.Random(args.seed)
    # Uneven but fixed split: each file gets at least one workload.
    counts = [1] * args.files
    for _ in range(args.objects - args.files):
        counts[rng.randrange(args.files)] += 1

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    kinds = [k for k, _ in WORKLOAD_KINDS]
    weights = [wt for _, wt in WORKLOAD_KINDS]
    teams = max(1, args.files // 20)
    totals = {"files": 0, "documents": 0, "workloads": 0, "Service": 0, "ConfigMap": 0}
    per_kind = {k: 0 for k in kinds}
    for f, n in enumerate(counts):
        team = f"team-{f % teams:02d}"
        ns = f"{team}-{rng.choice(['prod', 'staging', 'dev'])}"
        directory = os.path.join(args.out, team)
        os.makedirs(directory, exist_ok=True)
        ext = "yml" if rng.random() < 0.1 else "yaml"
        docs: list[str] = []
        for k in range(n):
            kind = rng.choices(kinds, weights=weights)[0]
            name = f"{rng.choice(ROLES)}-{f:04d}-{k:02d}"
            w = Writer()
            workload(w, rng, kind, name, ns, team)
            docs.append(w.text())
            per_kind[kind] += 1
            totals["workloads"] += 1
            if kind in ("Deployment", "StatefulSet") and rng.random() < 0.6:
                w = Writer()
                service(w, rng, name, ns, team)
                docs.append(w.text())
                totals["Service"] += 1
            if rng.random() < 0.25:
                w = Writer()
                config_map(w, rng, name, ns, team)
                docs.append(w.text())
                totals["ConfigMap"] += 1
        header = f"# generated by bench/gen.py (seed {args.seed}); file {f}\n"
        with open(os.path.join(directory, f"app-{f:04d}.{ext}"), "w", encoding="utf-8", newline="\n") as out:
            out.write(header + "---\n".join(docs))
        totals["files"] += 1
        totals["documents"] += len(docs)
    summary = dict(totals, **{"kinds": per_kind})
    out_dir = os.path.normpath(args.out)
    with open(out_dir + "-summary.json", "w", encoding="utf-8") as out:
        json.dump(summary, out, indent=2, sort_keys=True)
    print(
        f"gen.py: {totals['workloads']} workload objects, {totals['Service']} Services, "
        f"{totals['ConfigMap']} ConfigMaps in {totals['files']} files ({totals['documents']} documents) under {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
