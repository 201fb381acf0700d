#!/usr/bin/env python3
"""Generate the Kubernetes objects the Rego policy benchmark scans.

Writes OUT (default bench/work/policy/objects/) with N objects (default 10,000) in F
multi-document YAML files (default 200) under 50 namespace directories: Deployments,
StatefulSets, DaemonSets, Pods, CronJobs, Services, ConfigMaps and Ingresses. About
half of the workloads are hardened, a third left at defaults and the rest insecure
(privileged, host namespaces, hostPath, added capabilities, root, `latest` tags, ...),
with a few of the less common spellings every policy has to handle: `CAP_`-prefixed and
lower-case capability names, init containers, container-level overrides of pod-level
settings, legacy seccomp annotations, `restartPolicy: Never` Pods, NodePort Services.

Standard library only; the same arguments always give byte-identical output. Prints a
JSON summary (objects per kind, files, bytes) on stdout.

    python3 bench/policy/gen_objects.py [--out DIR] [--objects N] [--files F] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys

KINDS = [
    # kind, apiVersion, weight
    ("Deployment", "apps/v1", 28),
    ("StatefulSet", "apps/v1", 7),
    ("DaemonSet", "apps/v1", 5),
    ("Pod", "v1", 10),
    ("CronJob", "batch/v1", 6),
    ("Service", "v1", 22),
    ("ConfigMap", "v1", 16),
    ("Ingress", "networking.k8s.io/v1", 6),
]
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Pod", "CronJob"}
NAMESPACES = [f"team-{i:02d}" for i in range(50)]
IMAGES = [
    "nginx",
    "redis",
    "postgres",
    "busybox",
    "envoyproxy/envoy",
    "ghcr.io/acme/api",
    "ghcr.io/acme/worker",
    "registry.example.com:5000/payments/ledger",
    "quay.io/prometheus/node-exporter",
]
ROLES = ["api", "web", "worker", "cache", "db", "exporter", "proxy", "sync", "gateway", "auth"]
HOST_PATHS = ["/var/run/docker.sock", "/", "/etc", "/var/lib/kubelet", "/var/log"]
RISKY_CAPS = ["NET_ADMIN", "SYS_ADMIN", "cap_net_raw", "SYS_PTRACE", "CAP_SYS_MODULE"]
BASELINE_CAPS = ["NET_BIND_SERVICE", "CHOWN", "cap_setuid", "CAP_KILL"]


# ---------------------------------------------------------------------------- YAML out
def scalar(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)  # a double-quoted YAML string


def emit(value, indent: int, out: list[str]) -> None:
    """Block-style YAML for dicts and lists (every string quoted)."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}{key}:")
                emit(item, indent + 2, out)
            elif isinstance(item, (dict, list)):
                out.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                out.append(f"{pad}{key}: {scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict) and item:
                inner: list[str] = []
                emit(item, indent + 2, inner)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out.extend(inner[1:])
            elif isinstance(item, list) and item:
                out.append(f"{pad}-")
                emit(item, indent + 2, out)
            else:
                out.append(f"{pad}- {scalar(item)}")


# ---------------------------------------------------------------------------- objects
def image(rng: random.Random, profile: str) -> str:
    name = rng.choice(IMAGES)
    if profile == "hardened" or rng.random() < 0.25:
        return name + "@sha256:" + "".join(rng.choice("0123456789abcdef") for _ in range(64))
    r = rng.random()
    if profile == "insecure" and r < 0.5:
        return f"{name}:latest"
    if r < 0.15:
        return name  # no tag: latest
    return f"{name}:{rng.choice(['1.25', '3.11-slim', 'stable', '7.2.4', 'v0.9.1'])}"


def container(rng: random.Random, name: str, profile: str, init: bool) -> dict:
    c: dict = {"name": name, "image": image(rng, profile)}
    if rng.random() < 0.4:
        c["imagePullPolicy"] = rng.choice(["Always", "IfNotPresent"])
    if not init:
        ports = []
        for p in range(rng.randint(1, 2)):
            port = {"name": ["http", "metrics"][p], "containerPort": 8080 + p}
            if profile == "insecure" and rng.random() < 0.25:
                port["hostPort"] = 30000 + rng.randint(0, 2000)
            ports.append(port)
        c["ports"] = ports
    c["env"] = [
        {"name": f"{rng.choice(['LOG_LEVEL', 'REGION', 'MODE', 'CACHE_TTL'])}_{e}",
         "value": rng.choice(["info", "eu-west-1", "prod", "300"])}
        for e in range(rng.randint(1, 3))
    ]
    r = rng.random()
    if profile == "hardened" or r < 0.35:
        c["resources"] = {
            "requests": {"cpu": rng.choice(["50m", "100m"]), "memory": rng.choice(["64Mi", "128Mi"])},
            "limits": {"cpu": rng.choice(["500m", "1"]), "memory": rng.choice(["256Mi", "512Mi"])},
        }
    elif r < 0.55:
        c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}}
    elif r < 0.65:
        c["resources"] = {"limits": {"memory": "256Mi"}}  # memory request from the limit, no cpu
    if not init and (profile == "hardened" or rng.random() < 0.4):
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}, "initialDelaySeconds": 10}
        if rng.random() < 0.9:
            c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http"}}
    sc: dict = {}
    if profile == "hardened":
        sc = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        if rng.random() < 0.3:
            sc["capabilities"]["add"] = [rng.choice(BASELINE_CAPS)]
        if rng.random() < 0.2:
            sc["runAsNonRoot"] = True  # also set on the pod
        if rng.random() < 0.1:
            sc["seccompProfile"] = {"type": "RuntimeDefault"}
    elif profile == "insecure":
        r = rng.random()
        if r < 0.3:
            sc["privileged"] = True
        if rng.random() < 0.4:
            sc["allowPrivilegeEscalation"] = True
        if rng.random() < 0.4:
            sc["runAsUser"] = 0
        if rng.random() < 0.2:
            sc["runAsNonRoot"] = False
        if rng.random() < 0.4:
            sc["capabilities"] = {"add": rng.sample(RISKY_CAPS, k=rng.randint(1, 2))}
            if rng.random() < 0.5:
                sc["capabilities"]["drop"] = ["NET_RAW"]
        if rng.random() < 0.2:
            sc["seccompProfile"] = {"type": "Unconfined"}
        if rng.random() < 0.1:
            sc["procMount"] = "Unmasked"
        if rng.random() < 0.3:
            sc["readOnlyRootFilesystem"] = False
    else:  # defaults, sometimes partly hardened
        if rng.random() < 0.3:
            sc["allowPrivilegeEscalation"] = False
        if rng.random() < 0.2:
            sc["readOnlyRootFilesystem"] = True
        if rng.random() < 0.15:
            sc["capabilities"] = {"drop": [rng.choice(["ALL", "all", "CAP_ALL", "NET_RAW"])]}
    if sc:
        c["securityContext"] = sc
    return c


def pod_spec(rng: random.Random, role: str, profile: str, kind: str) -> tuple[dict, dict]:
    """A pod spec and the pod template's annotations."""
    spec: dict = {}
    annotations: dict = {}
    if profile == "hardened" or rng.random() < 0.3:
        spec["serviceAccountName"] = f"{role}-sa" if rng.random() < 0.9 else "default"
    elif rng.random() < 0.1:
        spec["serviceAccount"] = f"{role}-legacy"
    if profile == "hardened":
        spec["automountServiceAccountToken"] = False
    elif rng.random() < 0.15:
        spec["automountServiceAccountToken"] = rng.choice([True, False])
    if kind == "Pod" and rng.random() < 0.3:
        spec["restartPolicy"] = rng.choice(["Never", "OnFailure", "Always"])
    if kind == "CronJob":
        spec["restartPolicy"] = "OnFailure"
    if profile == "insecure":
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            if rng.random() < 0.25:
                spec[field] = True
    elif rng.random() < 0.05:
        spec["hostNetwork"] = False
    psc: dict = {}
    if profile == "hardened":
        psc = {"runAsNonRoot": True, "runAsUser": rng.choice([1000, 10001, 65532])}
        if rng.random() < 0.85:
            psc["seccompProfile"] = {"type": rng.choice(["RuntimeDefault", "RuntimeDefault", "Localhost"])}
            if psc["seccompProfile"]["type"] == "Localhost":
                psc["seccompProfile"]["localhostProfile"] = "profiles/app.json"
        else:
            annotations["seccomp.security.alpha.kubernetes.io/pod"] = "runtime/default"
    elif profile == "insecure":
        if rng.random() < 0.3:
            psc["runAsUser"] = 0
        if rng.random() < 0.15:
            psc["seccompProfile"] = {"type": "Unconfined"}
        if rng.random() < 0.1:
            annotations["seccomp.security.alpha.kubernetes.io/pod"] = "unconfined"
    else:
        if rng.random() < 0.2:
            psc["runAsNonRoot"] = True
        if rng.random() < 0.1:
            psc["fsGroup"] = 2000
    if psc:
        spec["securityContext"] = psc
    if rng.random() < 0.15:
        spec["initContainers"] = [container(rng, "init-config", profile, True)]
    names = [role] + (["sidecar"] if rng.random() < 0.3 else [])
    spec["containers"] = [container(rng, n, profile, False) for n in names]
    if rng.random() < 0.05 and "initContainers" not in spec:
        annotations[f"container.seccomp.security.alpha.kubernetes.io/{role}"] = "docker/default"
    volumes = [{"name": "tmp", "emptyDir": {}}]
    if rng.random() < 0.4:
        volumes.append({"name": "config", "configMap": {"name": f"{role}-config"}})
    if profile == "insecure" and rng.random() < 0.35:
        volumes.append({"name": "host", "hostPath": {"path": rng.choice(HOST_PATHS)}})
    spec["volumes"] = volumes
    if rng.random() < 0.2:
        spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
    return spec, annotations


def profile_of(rng: random.Random) -> str:
    r = rng.random()
    return "hardened" if r < 0.5 else "default" if r < 0.82 else "insecure"


def make_object(rng: random.Random, index: int, kind: str, api: str, ns: str) -> dict:
    role = rng.choice(ROLES)
    name = f"{role}-{index:05d}"
    labels = {"app.kubernetes.io/name": role, "app.kubernetes.io/part-of": ns}
    meta: dict = {"name": name, "namespace": ns, "labels": labels}
    obj: dict = {"apiVersion": api, "kind": kind, "metadata": meta}
    if kind in WORKLOADS:
        profile = profile_of(rng)
        spec, annotations = pod_spec(rng, role, profile, kind)
        template_meta: dict = {"labels": {"app.kubernetes.io/name": role}}
        if annotations:
            template_meta["annotations"] = annotations
        if kind == "Pod":
            if annotations:
                meta["annotations"] = annotations
            obj["spec"] = spec
        elif kind == "CronJob":
            obj["spec"] = {
                "schedule": f"{rng.randint(0, 59)} {rng.randint(0, 23)} * * *",
                "jobTemplate": {"spec": {"template": {"metadata": template_meta, "spec": spec}}},
            }
        else:
            top: dict = {"selector": {"matchLabels": {"app.kubernetes.io/name": role}}}
            if kind != "DaemonSet":
                top["replicas"] = rng.choice([1, 2, 3, 5])
            if kind == "StatefulSet":
                top["serviceName"] = name
            top["template"] = {"metadata": template_meta, "spec": spec}
            obj["spec"] = top
    elif kind == "Service":
        r = rng.random()
        stype = "NodePort" if r < 0.15 else "LoadBalancer" if r < 0.2 else "ClusterIP"
        port: dict = {"name": "http", "port": 80, "targetPort": "http"}
        if stype == "NodePort" and rng.random() < 0.5:
            port["nodePort"] = 30000 + rng.randint(0, 2767)
        spec = {"selector": {"app.kubernetes.io/name": role}, "ports": [port]}
        if stype != "ClusterIP" or rng.random() < 0.5:
            spec = {"type": stype, **spec}
        obj["spec"] = spec
    elif kind == "ConfigMap":
        obj["data"] = {
            f"key-{k}": rng.choice(["info", "enabled", "https://api.internal", "300s"]) for k in range(rng.randint(1, 5))
        }
    elif kind == "Ingress":
        host = f"{name}.{ns}.example.com"
        spec = {
            "ingressClassName": "nginx",
            "rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix",
                       "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}],
        }
        if rng.random() < 0.7:
            spec["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
        obj["spec"] = spec
    return obj


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "work", "policy", "objects"))
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    if args.objects < 1 or args.files < 1 or args.files > args.objects:
        parser.error("need 1 <= files <= objects")
    rng = random.Random(args.seed)
    out = os.path.abspath(args.out)
    if os.path.isdir(out):
        shutil.rmtree(out)
    total_weight = sum(w for _, _, w in KINDS)
    kinds_count: dict[str, int] = {}
    files: list[list[str]] = [[] for _ in range(args.files)]
    for index in range(args.objects):
        r = rng.uniform(0, total_weight)
        for kind, api, weight in KINDS:
            r -= weight
            if r <= 0:
                break
        file_index = index % args.files
        ns = NAMESPACES[file_index % len(NAMESPACES)]
        obj = make_object(rng, index, kind, api, ns)
        lines: list[str] = []
        emit(obj, 0, lines)
        files[file_index].append("\n".join(lines) + "\n")
        kinds_count[kind] = kinds_count.get(kind, 0) + 1
    size = 0
    for file_index, docs in enumerate(files):
        ns = NAMESPACES[file_index % len(NAMESPACES)]
        directory = os.path.join(out, ns)
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"objects-{file_index:03d}.yaml")
        text = "---\n".join(docs)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        size += len(text.encode())
    json.dump({"objects": args.objects, "files": args.files, "namespaces": len(NAMESPACES),
               "bytes": size, "kinds": dict(sorted(kinds_count.items()))}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
