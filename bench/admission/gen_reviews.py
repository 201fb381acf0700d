#!/usr/bin/env python3
"""Pod AdmissionReviews (admission.k8s.io/v1) for bench/admission/run.sh, one per line.

Each line is what the API server sends a validating webhook for a Pod: the request
envelope (uid, kind, resource, operation, userInfo, options) and the Pod as it stands
after the mutating admission plugins ran (the service-account token volume, default
tolerations, managedFields, ownerReferences to a ReplicaSet), so sizes are realistic:
about 2-6 KB a line.

The mix (seeded, byte-identical for the same arguments):
  - about 80 % hardened pods that pass the `test` profile and the five bench policies
    (non-root, read-only root, capabilities dropped, RuntimeDefault seccomp, limits,
    images from the allowed registries with a version tag or a digest, team and owner
    labels): the webhook admits them;
  - about 20 % insecure pods with one to three faults each (privileged, a hostPath
    volume, running as root, no limits, `:latest`, a registry that is not allowed, no
    owner label, host network, added capabilities): the webhook denies them;
  - 1-3 containers, an init container on about 30 % of the pods, 40 namespaces,
    varied names, labels, env, ports and volumes; 95 % CREATE, 5 % UPDATE (with the old
    object).

Every line's `request.uid` is unique and is the first "uid" in the line (the load
generator replaces it per request, so every request sent has its own uid; with
`--keep-uids` it sends the line's). Lines are compact JSON (no spaces).

Usage: gen_reviews.py --out FILE [--count 1000] [--seed 7] [--insecure 0.2]
Prints a one-line JSON summary on standard output.
"""

import argparse
import json
import random
import statistics
import sys
import uuid

TEAMS = ["payments", "search", "identity", "checkout", "ads", "data", "mobile", "infra",
         "ml", "growth"]
APPS = ["api", "worker", "web", "gateway", "indexer", "scheduler", "cache-warmer",
        "notifier", "exporter", "ingest", "billing", "auth", "reports", "cart", "feed"]
REGISTRIES = ["registry.example.com/", "ghcr.io/example-org/", "public.ecr.aws/example/"]
BAD_REGISTRIES = ["docker.io/library/", "quay.io/someone/", ""]
SIDECARS = [("envoy", "registry.example.com/mesh/envoy", 9901),
            ("log-shipper", "registry.example.com/obs/fluent-bit", 2020),
            ("oauth-proxy", "ghcr.io/example-org/oauth2-proxy", 4180)]
FAULTS = ["privileged", "hostpath", "root", "no-limits", "latest", "registry", "no-owner",
          "host-network", "capabilities"]


def rand_hex(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def rand_suffix(rng, n=5):
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))


def image(rng, repo, registry):
    if rng.random() < 0.4:
        return f"{registry}{repo}@sha256:{rand_hex(rng, 64)}"
    return f"{registry}{repo}:v{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"


def secure_context():
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def resources(rng, big=False):
    cpu = rng.choice([100, 250, 500, 1000] if big else [50, 100, 200])
    mem = rng.choice([256, 512, 1024, 2048] if big else [64, 128, 256])
    return {
        "limits": {"cpu": f"{cpu * 2}m", "memory": f"{mem}Mi"},
        "requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"},
    }


def container(rng, name, repo, registry, port, token_volume, main=True):
    c = {
        "name": name,
        "image": image(rng, repo, registry),
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http" if main else "admin", "containerPort": port, "protocol": "TCP"}],
        "env": [],
        "resources": resources(rng, big=main),
        "securityContext": secure_context(),
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": token_volume, "readOnly": True,
             "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"},
        ],
    }
    for key in rng.sample(["LOG_LEVEL", "PORT", "REGION", "FEATURE_FLAGS", "OTEL_EXPORTER_OTLP_ENDPOINT",
                           "DB_HOST", "CACHE_TTL", "GOMAXPROCS"], rng.randint(0, 3) if main else rng.randint(0, 1)):
        c["env"].append({"name": key, "value": rng.choice(["info", "8080", "eu-west-1", "a,b,c",
                                                          "http://otel-collector.obs:4317",
                                                          "db.internal", "300", "2"])})
    if main and rng.random() < 0.6:
        c["env"].append({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}})
    if main:
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": port, "scheme": "HTTP"},
                               "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
                               "failureThreshold": 3}
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
                              "periodSeconds": 20, "timeoutSeconds": 1, "successThreshold": 1,
                              "failureThreshold": 3}
        c["args"] = [f"--listen=:{port}", "--log-format=json"]
    return c


def pod(rng, index, faults):
    team = rng.choice(TEAMS)
    app = rng.choice(APPS)
    namespace = f"{team}-{rng.choice(['prod', 'staging', 'dev', 'batch'])}"
    template_hash = rand_suffix(rng, 10)
    name = f"{app}-{template_hash}-{rand_suffix(rng)}"
    rs_uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    token_volume = f"kube-api-access-{rand_suffix(rng)}"
    registry = rng.choice(REGISTRIES)
    labels = {
        "app": app,
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/part-of": team,
        "app.kubernetes.io/version": f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
        "pod-template-hash": template_hash,
        "team": team,
        "owner": f"{rng.choice(['alice', 'bob', 'chen', 'dana', 'eve', 'farid', 'gosia'])}.{team}",
    }
    if rng.random() < 0.5:
        labels["tier"] = rng.choice(["frontend", "backend", "batch"])
    containers = [container(rng, app, f"{team}/{app}", registry, 8080, token_volume)]
    for sidecar, repo, port in rng.sample(SIDECARS, rng.choice([0, 0, 0, 1, 1, 2])):
        containers.append(container(rng, sidecar, repo.removeprefix("registry.example.com/")
                                    .removeprefix("ghcr.io/example-org/"),
                                    "registry.example.com/" if "registry.example.com" in repo else "ghcr.io/example-org/",
                                    port, token_volume, main=False))
    init = []
    if rng.random() < 0.3:
        init.append(container(rng, "migrate", f"{team}/{app}-migrations", registry, 8081, token_volume, main=False))
        init[0].pop("ports")
    volumes = [
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        {"name": token_volume, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                           "fieldPath": "metadata.namespace"}}]}},
        ]}},
    ]
    if rng.random() < 0.4:
        volumes.append({"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}})
        containers[0]["volumeMounts"].append({"name": "config", "mountPath": "/etc/app", "readOnly": True})
    spec = {
        "automountServiceAccountToken": True,
        "containers": containers,
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": False,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                            "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "serviceAccount": app,
        "serviceAccountName": app,
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300},
        ],
        "volumes": volumes,
    }
    if init:
        spec["initContainers"] = init
    if rng.random() < 0.3:
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                              "whenUnsatisfiable": "ScheduleAnyway",
                                              "labelSelector": {"matchLabels": {"app": app}}}]
    # What the API server adds to every object it admits.
    metadata = {
        "name": name,
        "generateName": f"{app}-{template_hash}-",
        "namespace": namespace,
        "labels": labels,
        "annotations": {"kubectl.kubernetes.io/default-container": app,
                        "prometheus.io/scrape": "true", "prometheus.io/port": "8080"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-{template_hash}",
                             "uid": rs_uid, "controller": True, "blockOwnerDeletion": True}],
        "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                           "time": f"2026-11-2{rng.randint(0, 9)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:00Z",
                           "fieldsType": "FieldsV1",
                           "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {
                               f"f:{k}": {} for k in labels}, "f:ownerReferences": {
                               f'k:{{"uid":"{rs_uid}"}}': {}}},
                               "f:spec": {"f:containers": {f'k:{{"name":"{c["name"]}"}}': {}
                                                          for c in containers},
                                          "f:volumes": {}}}}],
    }
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec,
           "status": {"phase": "Pending", "qosClass": "Burstable"}}
    apply_faults(rng, obj, faults)
    return obj


def apply_faults(rng, obj, faults):
    spec = obj["spec"]
    main = spec["containers"][0]
    for fault in faults:
        if fault == "privileged":
            main["securityContext"] = {"privileged": True}
        elif fault == "hostpath":
            spec["volumes"].append({"name": "host", "hostPath": {"path": rng.choice(["/var/log", "/", "/var/run/docker.sock", "/etc"]), "type": ""}})
            main["volumeMounts"].append({"name": "host", "mountPath": "/host"})
        elif fault == "root":
            spec["securityContext"] = {"runAsUser": 0}
            main["securityContext"].pop("runAsNonRoot", None)
            main["securityContext"]["runAsUser"] = 0
        elif fault == "no-limits":
            main["resources"] = {"requests": {"cpu": "100m"}}
        elif fault == "latest":
            base = main["image"].split("@")[0].rsplit(":", 1)[0] if "@" not in main["image"] else main["image"].split("@")[0]
            main["image"] = base + rng.choice([":latest", ""])
        elif fault == "registry":
            main["image"] = rng.choice(BAD_REGISTRIES) + main["image"].split("/", 1)[1]
        elif fault == "no-owner":
            obj["metadata"]["labels"].pop("owner")
        elif fault == "host-network":
            spec["hostNetwork"] = True
            spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        elif fault == "capabilities":
            main["securityContext"]["capabilities"] = {"add": ["SYS_ADMIN", "NET_ADMIN"]}


def review(rng, obj, operation, uid):
    request = {
        "uid": uid,
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
        "requestResource": {"group": "", "version": "v1", "resource": "pods"},
        "name": obj["metadata"]["name"],
        "namespace": obj["metadata"]["namespace"],
        "operation": operation,
        "userInfo": {
            "username": "system:serviceaccount:kube-system:replicaset-controller",
            "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
        },
        "object": obj,
        "oldObject": None,
        "dryRun": False,
        "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"},
    }
    if operation == "UPDATE":
        old = json.loads(json.dumps(obj))
        old["metadata"]["labels"].pop("tier", None)
        request["oldObject"] = old
        request["options"] = {"kind": "UpdateOptions", "apiVersion": "meta.k8s.io/v1"}
        request["userInfo"]["username"] = f"{obj['metadata']['labels'].get('owner', 'someone')}@example.com"
        request["userInfo"]["groups"] = ["developers", "system:authenticated"]
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--insecure", type=float, default=0.2, help="fraction of insecure pods")
    args = parser.parse_args()
    if args.count < 1 or not 0 <= args.insecure <= 1:
        sys.exit("gen_reviews.py: --count must be positive and --insecure within 0..1")
    rng = random.Random(args.seed)
    sizes, insecure, updates, containers = [], 0, 0, []
    fault_counts = {f: 0 for f in FAULTS}
    with open(args.out, "w") as out:
        for i in range(args.count):
            faults = rng.sample(FAULTS, rng.randint(1, 3)) if rng.random() < args.insecure else []
            insecure += bool(faults)
            for f in faults:
                fault_counts[f] += 1
            obj = pod(rng, i, faults)
            operation = "UPDATE" if rng.random() < 0.05 else "CREATE"
            updates += operation == "UPDATE"
            uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            line = json.dumps(review(rng, obj, operation, uid), separators=(",", ":"))
            assert line.find('"uid":"') == line.find('"uid":"' + uid), "request uid must come first"
            out.write(line + "\n")
            sizes.append(len(line) + 1)
            containers.append(len(obj["spec"]["containers"]) + len(obj["spec"].get("initContainers", [])))
    print(json.dumps({
        "reviews": args.count, "insecure": insecure, "updates": updates, "seed": args.seed,
        "bytes": sum(sizes), "size_min": min(sizes), "size_median": int(statistics.median(sizes)),
        "size_max": max(sizes), "containers_mean": round(statistics.mean(containers), 2),
        "faults": fault_counts,
    }))


if __name__ == "__main__":
    main()
