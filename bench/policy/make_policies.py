#!/usr/bin/env python3
"""Write the benchmark's 20 Rego policies in both of the forms lockgate loads.

Each policy does what one built-in lockgate rule does (KUBE-002 ... KUBE-050), with the
same cases and one result per finding the built-in rule would report. The Rego of each
is written once below, with `$OBJ` standing for the object, and put out twice:

  policies/conftest/kube_NNN.rego       conftest style: `package main`, a `deny` rule
                                        with METADATA (`custom.id: REGO-KUBE-NNN`), the
                                        object as `input`; helpers in lib/kube.rego
  policies/gatekeeper/templates/NNN.yaml  a ConstraintTemplate (`violation` with `msg`,
                                        the object as `input.review.object`, the same
                                        helpers as a lib)
  policies/gatekeeper/constraints/NNN.yaml  its constraint, matching the workload kinds
                                        (or Service)

The output is committed (bench/policy/policies/); run this after changing a policy:

    python3 bench/policy/make_policies.py          # rewrite policies/
    python3 bench/policy/make_policies.py --check  # exit 1 when policies/ is out of date
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

LIB = r'''package lib.kube

import rego.v1

# Helpers shared by the benchmark's policies: the same views of an object lockgate's
# built-in rules use (crates/lockgate-kube/src/pod.rs).

# Kinds whose spec.template is a pod template even without `containers`.
template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}

# The pod spec of a workload, wherever its kind keeps it.
pod_spec(obj) := spec if {
	obj.kind == "Pod"
	spec := obj.spec
	is_object(spec)
} else := spec if {
	obj.kind == "PodTemplate"
	spec := obj.template.spec
	is_object(spec)
} else := spec if {
	obj.kind == "CronJob"
	spec := obj.spec.jobTemplate.spec.template.spec
	is_object(spec)
} else := spec if {
	not obj.kind in {"Pod", "PodTemplate", "CronJob"}
	spec := obj.spec.template.spec
	is_object(spec)
	embeds_pod(obj.kind, spec)
}

embeds_pod(kind, _) if kind in template_kinds

embeds_pod(_, spec) if "containers" in object.keys(spec)

# The metadata that applies to the pods (the Pod's own, or the template's).
pod_meta(obj) := obj.metadata if {
	obj.kind == "Pod"
} else := obj.template.metadata if {
	obj.kind == "PodTemplate"
} else := obj.spec.jobTemplate.spec.template.metadata if {
	obj.kind == "CronJob"
} else := obj.spec.template.metadata

container_fields := {"containers": "container", "initContainers": "init container", "ephemeralContainers": "ephemeral container"}

# Every container (regular, init, ephemeral) with how messages name its kind.
containers(spec) := [{"c": c, "noun": noun} |
	some field, noun in container_fields
	some c in spec[field]
	is_object(c)
]

name(c) := n if {
	n := c.name
	is_string(n)
} else := "<unnamed>"

describe(x) := sprintf("%s `%s`", [x.noun, name(x.c)])

is_windows(spec) if spec.os.name == "windows"

# Whether o[k] is set to something other than null.
has(o, k) if o[k] != null

# A capability as Kubernetes compares it: upper case, without `CAP_`.
cap_name(c) := trim_prefix(upper(trim_space(c)), "CAP_") if is_string(c)

# Pods that run to completion.
is_batch(obj, _) if obj.kind in {"Job", "CronJob"}

is_batch(_, spec) if {
	p := spec.restartPolicy
	is_string(p)
	p != "Always"
}

# An image that resolves to `latest`: no digest, and no tag or the `latest` tag.
# Template placeholders (`${IMAGE}`, `{{ .Values.image }}`) are left alone.
mutable_image(img) if {
	is_string(img)
	not contains(img, "${")
	not contains(img, "{{")
	not startswith(img, "$")
	ref := trim_space(img)
	ref != ""
	not regex.match(`\s`, ref)
	not has_digest(ref)
	segments := split(split(ref, "@")[0], "/")
	latest_tag(segments[count(segments) - 1])
}

has_digest(ref) if {
	i := indexof(ref, "@")
	i >= 0
	substring(ref, i + 1, -1) != ""
}

latest_tag(segment) if not contains(segment, ":")

latest_tag(segment) if {
	parts := split(segment, ":")
	parts[count(parts) - 1] in {"", "latest"}
}
'''

WORKLOAD_MATCH = {
    "apiGroups": ["", "apps", "batch"],
    "kinds": ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"],
}
SERVICE_MATCH = {"apiGroups": [""], "kinds": ["Service"]}

BASELINE_CAPS = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]

# id, built-in name, Gatekeeper kind, title, severity, match, helpers (with `$H` as the
# helper prefix), body of the result rule (must bind `msg`), constraint parameters.
POLICIES = [
    ("002", "host-namespaces", "LgHostNamespaces", "Pod shares the host's network, PID or IPC namespace", "high", WORKLOAD_MATCH, "", r'''
spec := kube.pod_spec($OBJ)
some field, what in {"hostNetwork": "network", "hostPID": "process (PID)", "hostIPC": "IPC"}
spec[field] == true
msg := sprintf("pod shares the host's %s namespace (`%s: true`)", [what, field])
''', None),
    ("003", "privileged-container", "LgPrivilegedContainer", "Privileged container", "critical", WORKLOAD_MATCH, "", r'''
some x in kube.containers(kube.pod_spec($OBJ))
x.c.securityContext.privileged == true
msg := sprintf("%s is privileged", [kube.describe(x)])
''', None),
    ("004", "capabilities-beyond-baseline", "LgCapabilitiesBeyondBaseline", "Container adds capabilities beyond the baseline set", "high", WORKLOAD_MATCH, "", r'''
some x in kube.containers(kube.pod_spec($OBJ))
some cap in x.c.securityContext.capabilities.add
name := kube.cap_name(cap)
not name in $ALLOWED_CAPS
msg := sprintf("%s adds capability %s", [kube.describe(x), name])
''', {"allowedCapabilities": BASELINE_CAPS}),
    ("005", "hostpath-volume", "LgHostPathVolume", "Pod mounts a hostPath volume", "high", WORKLOAD_MATCH, r'''
$Hpath(source) := p if {
	p := source.path
	is_string(p)
} else := "?"
''', r'''
some volume in kube.pod_spec($OBJ).volumes
"hostPath" in object.keys(volume)
msg := sprintf("volume `%s` mounts the node's path `%s`", [kube.name(volume), $Hpath(volume.hostPath)])
''', None),
    ("006", "host-port", "LgHostPort", "Container binds a port on the host", "medium", WORKLOAD_MATCH, "", r'''
some x in kube.containers(kube.pod_spec($OBJ))
some port in x.c.ports
is_number(port.hostPort)
port.hostPort != 0
msg := sprintf("%s binds host port %v", [kube.describe(x), port.hostPort])
''', None),
    ("010", "seccomp-unconfined", "LgSeccompUnconfined", "Seccomp profile set to Unconfined", "medium", WORKLOAD_MATCH, r'''
$Hmsgs(obj) := pod | containers | annotations if {
	spec := kube.pod_spec(obj)
	pod := {"pod disables seccomp (`Unconfined`)" | spec.securityContext.seccompProfile.type == "Unconfined"}
	containers := {sprintf("%s disables seccomp (`Unconfined`)", [kube.describe(x)]) |
		some x in kube.containers(spec)
		x.c.securityContext.seccompProfile.type == "Unconfined"
	}
	annotations := {sprintf("annotation `%s` disables seccomp", [name]) |
		some name, value in kube.pod_meta(obj).annotations
		$Hlegacy(name)
		value == "unconfined"
	}
}

$Hlegacy(name) if name == "seccomp.security.alpha.kubernetes.io/pod"

$Hlegacy(name) if startswith(name, "container.seccomp.security.alpha.kubernetes.io/")
''', r'''
some msg in $Hmsgs($OBJ)
''', None),
    ("013", "privilege-escalation-allowed", "LgPrivilegeEscalation", "Container may gain more privileges than its parent process", "medium", WORKLOAD_MATCH, "", r'''
spec := kube.pod_spec($OBJ)
not kube.is_windows(spec)
some x in kube.containers(spec)
not x.c.securityContext.allowPrivilegeEscalation == false
msg := sprintf("%s does not set `allowPrivilegeEscalation: false`", [kube.describe(x)])
''', None),
    ("014", "run-as-non-root-not-set", "LgRunAsNonRoot", "Container is not required to run as non-root", "medium", WORKLOAD_MATCH, r'''
$Hmsgs(obj) := pod | own | unset if {
	spec := kube.pod_spec(obj)
	pod := {sprintf("pod sets `runAsNonRoot: %v`, so its containers may run as root", [v]) |
		v := spec.securityContext.runAsNonRoot
		v != null
		v != true
	}
	own := {sprintf("%s sets `runAsNonRoot: %v`, so it may run as root", [kube.describe(x), v]) |
		some x in kube.containers(spec)
		v := x.c.securityContext.runAsNonRoot
		v != null
		v != true
	}
	unset := {sprintf("%s does not set `runAsNonRoot: true`, and neither does the pod", [kube.describe(x)]) |
		some x in kube.containers(spec)
		not kube.has(x.c.securityContext, "runAsNonRoot")
		not kube.has(spec.securityContext, "runAsNonRoot")
	}
}
''', r'''
some msg in $Hmsgs($OBJ)
''', None),
    ("015", "run-as-root-user", "LgRunAsRootUser", "Pod or container runs as UID 0 (root)", "high", WORKLOAD_MATCH, r'''
$Hmsgs(obj) := pod | containers if {
	spec := kube.pod_spec(obj)
	pod := {"pod runs as root (`runAsUser: 0`)" | spec.securityContext.runAsUser == 0}
	containers := {sprintf("%s runs as root (`runAsUser: 0`)", [kube.describe(x)]) |
		some x in kube.containers(spec)
		x.c.securityContext.runAsUser == 0
	}
}
''', r'''
some msg in $Hmsgs($OBJ)
''', None),
    ("016", "seccomp-profile-missing", "LgSeccompProfileMissing", "Container has no RuntimeDefault or Localhost seccomp profile", "medium", WORKLOAD_MATCH, r'''
$Hmsgs(obj) := pod | own | unset if {
	spec := kube.pod_spec(obj)
	not kube.is_windows(spec)
	meta := $Hmeta(obj)
	pod := {"pod's seccomp profile is not RuntimeDefault or Localhost" |
		profile := spec.securityContext.seccompProfile
		profile != null
		not $Hallowed(profile)
	}
	own := {sprintf("%s's seccomp profile is not RuntimeDefault or Localhost", [kube.describe(x)]) |
		some x in kube.containers(spec)
		profile := x.c.securityContext.seccompProfile
		profile != null
		not $Hallowed(profile)
	}
	unset := {sprintf("%s has no seccomp profile and the pod sets none, so it runs Unconfined", [kube.describe(x)]) |
		some x in kube.containers(spec)
		not kube.has(x.c.securityContext, "seccompProfile")
		not kube.has(spec.securityContext, "seccompProfile")
		not $Hlegacy_confines(meta, kube.name(x.c))
	}
}

$Hallowed(profile) if profile.type in {"RuntimeDefault", "Localhost"}

$Hmeta(obj) := m if {
	m := kube.pod_meta(obj)
	is_object(m)
} else := {}

# Clusters before Kubernetes 1.27 also honour the legacy annotations: the container's,
# else the pod's.
$Hlegacy(meta, name) := v if {
	v := meta.annotations[concat("", ["container.seccomp.security.alpha.kubernetes.io/", name])]
} else := meta.annotations["seccomp.security.alpha.kubernetes.io/pod"]

$Hlegacy_confines(meta, name) if $Hlegacy(meta, name) in {"runtime/default", "docker/default"}

$Hlegacy_confines(meta, name) if {
	v := $Hlegacy(meta, name)
	is_string(v)
	startswith(v, "localhost/")
}
''', r'''
some msg in $Hmsgs($OBJ)
''', None),
    ("017", "capabilities-not-dropped", "LgCapabilitiesNotDropped", "Container does not drop all capabilities", "medium", WORKLOAD_MATCH, r'''
$Hdrops_all(c) if {
	some cap in c.securityContext.capabilities.drop
	kube.cap_name(cap) == "ALL"
}
''', r'''
spec := kube.pod_spec($OBJ)
not kube.is_windows(spec)
some x in kube.containers(spec)
not $Hdrops_all(x.c)
msg := sprintf("%s does not drop `ALL` capabilities", [kube.describe(x)])
''', None),
    ("020", "writable-root-filesystem", "LgWritableRootFilesystem", "Container root file system is writable", "medium", WORKLOAD_MATCH, "", r'''
spec := kube.pod_spec($OBJ)
not kube.is_windows(spec)
some x in kube.containers(spec)
x.noun != "ephemeral container"
not x.c.securityContext.readOnlyRootFilesystem == true
msg := sprintf("%s does not set `readOnlyRootFilesystem: true`", [kube.describe(x)])
''', None),
    ("021", "resource-requests-missing", "LgResourceRequestsMissing", "Container has no CPU or memory request", "low", WORKLOAD_MATCH, "", r'''
some x in kube.containers(kube.pod_spec($OBJ))
x.noun != "ephemeral container"
missing := [r |
	some r in ["cpu", "memory"]
	not kube.has(x.c.resources.requests, r)
	not kube.has(x.c.resources.limits, r)
]
count(missing) > 0
msg := sprintf("%s has no %s request", [kube.describe(x), concat(" or ", missing)])
''', None),
    ("022", "resource-limits-missing", "LgResourceLimitsMissing", "Container has no memory or CPU limit", "low", WORKLOAD_MATCH, "", r'''
some x in kube.containers(kube.pod_spec($OBJ))
x.noun != "ephemeral container"
missing := [r |
	some r in ["memory", "cpu"]
	not kube.has(x.c.resources.limits, r)
]
count(missing) > 0
msg := sprintf("%s has no %s limit", [kube.describe(x), concat(" or ", missing)])
''', None),
    ("023", "default-service-account", "LgDefaultServiceAccount", "Pod runs as the default ServiceAccount", "low", WORKLOAD_MATCH, r'''
$Hnamed(spec) := [name |
	some field in ["serviceAccountName", "serviceAccount"]
	name := spec[field]
	is_string(name)
	name != ""
]
''', r'''
spec := kube.pod_spec($OBJ)
named := $Hnamed(spec)
msg := $Hmessage(named)
''', None),
    ("024", "service-account-token-automounted", "LgServiceAccountTokenAutomounted", "ServiceAccount token is mounted into the pod", "low", WORKLOAD_MATCH, "", r'''
spec := kube.pod_spec($OBJ)
not spec.automountServiceAccountToken == false
msg := "pod does not set `automountServiceAccountToken: false`, so its ServiceAccount token is mounted"
''', None),
    ("026", "image-tag-mutable", "LgImageTagMutable", "Container image uses `latest` or no tag", "medium", WORKLOAD_MATCH, "", r'''
some x in kube.containers(kube.pod_spec($OBJ))
kube.mutable_image(x.c.image)
msg := sprintf("%s uses image `%s`, which resolves to `latest`", [kube.describe(x), x.c.image])
''', None),
    ("029", "liveness-probe-missing", "LgLivenessProbeMissing", "Container has no liveness probe", "low", WORKLOAD_MATCH, "", r'''
spec := kube.pod_spec($OBJ)
not kube.is_batch($OBJ, spec)
some x in kube.containers(spec)
x.noun == "container"
not kube.has(x.c, "livenessProbe")
msg := sprintf("%s has no liveness probe", [kube.describe(x)])
''', None),
    ("030", "readiness-probe-missing", "LgReadinessProbeMissing", "Container has no readiness probe", "low", WORKLOAD_MATCH, "", r'''
spec := kube.pod_spec($OBJ)
not kube.is_batch($OBJ, spec)
some x in kube.containers(spec)
x.noun == "container"
not kube.has(x.c, "readinessProbe")
msg := sprintf("%s has no readiness probe", [kube.describe(x)])
''', None),
    ("050", "service-node-port", "LgServiceNodePort", "Service exposed on every node's IP (NodePort)", "medium", SERVICE_MATCH, "", r'''
$OBJ.kind == "Service"
not contains($OBJ.apiVersion, "/")
$OBJ.spec.type == "NodePort"
msg := "NodePort Service opens a port on every node of the cluster"
''', None),
]

# KUBE-023's message depends on which case applies; one helper per form keeps the
# result rule a single definition.
EXTRA_HELPERS = {
    "023": r'''
$Hmessage(named) := "pod names no ServiceAccount, so it runs as the namespace's `default` one" if {
	count(named) == 0
} else := "pod runs as the `default` ServiceAccount" if {
	named[0] == "default"
}
''',
}


def indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(True))


def rego_parts(policy, form: str) -> tuple[str, str]:
    """(helpers, body) of a policy for `conftest` or `gatekeeper`."""
    pid, _, _, _, _, _, helpers, body, params = policy
    obj = "input" if form == "conftest" else "input.review.object"
    prefix = f"kube{pid}_" if form == "conftest" else ""
    helpers = (helpers + EXTRA_HELPERS.get(pid, "")).strip("\n")
    caps = "kube_baseline_capabilities" if form == "conftest" else "{c | some c in input.parameters.allowedCapabilities}"
    out = []
    for text in (helpers, body.strip("\n")):
        text = text.replace("$OBJ", obj).replace("$H", prefix).replace("$ALLOWED_CAPS", caps)
        out.append(text)
    return out[0], out[1]


def conftest_file(policy) -> str:
    pid, builtin, _, title, severity, _, _, _, _ = policy
    helpers, body = rego_parts(policy, "conftest")
    lines = [
        f"# Same check as lockgate's built-in KUBE-{pid} ({builtin}), as a conftest policy.",
        "# Generated by bench/policy/make_policies.py: edit it there.",
        "package main",
        "",
        "import rego.v1",
        "",
        "import data.lib.kube",
        "",
    ]
    if pid == "004":
        lines += ["kube_baseline_capabilities := {" + ", ".join(f'"{c}"' for c in BASELINE_CAPS) + "}", ""]
    if helpers:
        lines += [helpers, ""]
    lines += [
        "# METADATA",
        f"# title: {title}",
        f"# description: The Rego form of lockgate's KUBE-{pid} ({builtin}).",
        "# custom:",
        f"#   id: REGO-KUBE-{pid}",
        f"#   severity: {severity}",
        "deny contains msg if {",
        indent(body, "\t"),
        "}",
        "",
    ]
    return "\n".join(lines)


def yaml_list(items) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def template_file(policy) -> str:
    pid, builtin, kind, title, _, _, _, _, _ = policy
    helpers, body = rego_parts(policy, "gatekeeper")
    package = f"lockgate.bench.kube{pid}"
    rego = ["package " + package, "", "import rego.v1", "", "import data.lib.kube", ""]
    if helpers:
        rego += [helpers, ""]
    rego += ['violation contains {"msg": msg} if {', indent(body, "\t"), "}"]
    rego_text = indent("\n".join(rego) + "\n", " " * 8)
    lib_text = indent(LIB, " " * 10)
    return (
        "# Generated by bench/policy/make_policies.py: edit it there.\n"
        "apiVersion: templates.gatekeeper.sh/v1\n"
        "kind: ConstraintTemplate\n"
        "metadata:\n"
        f"  name: {kind.lower()}\n"
        "  annotations:\n"
        f'    metadata.gatekeeper.sh/title: "{title}"\n'
        f'    description: "The Rego form of lockgate\'s KUBE-{pid} ({builtin})."\n'
        "spec:\n"
        "  crd:\n"
        "    spec:\n"
        "      names:\n"
        f"        kind: {kind}\n"
        "  targets:\n"
        "    - target: admission.k8s.gatekeeper.sh\n"
        "      rego: |\n"
        f"{rego_text}"
        "      libs:\n"
        "        - |\n"
        f"{lib_text}"
    )


def constraint_file(policy) -> str:
    pid, _, kind, _, severity, match, _, _, params = policy
    text = (
        "# Generated by bench/policy/make_policies.py: edit it there.\n"
        "apiVersion: constraints.gatekeeper.sh/v1beta1\n"
        f"kind: {kind}\n"
        "metadata:\n"
        f"  name: kube-{pid}\n"
        "  annotations:\n"
        f"    lockgate.dev/severity: {severity}\n"
        "spec:\n"
        "  match:\n"
        "    kinds:\n"
        f"      - apiGroups: {yaml_list(match['apiGroups'])}\n"
        f"        kinds: {yaml_list(match['kinds'])}\n"
    )
    if params:
        text += "  parameters:\n"
        for key, value in params.items():
            text += f"    {key}: {yaml_list(value)}\n"
    return text


def outputs(root: str) -> dict[str, str]:
    files = {os.path.join(root, "conftest", "lib", "kube.rego"): LIB}
    for policy in POLICIES:
        pid = policy[0]
        files[os.path.join(root, "conftest", f"kube_{pid}.rego")] = conftest_file(policy)
        files[os.path.join(root, "gatekeeper", "templates", f"kube_{pid}.yaml")] = template_file(policy)
        files[os.path.join(root, "gatekeeper", "constraints", f"kube_{pid}.yaml")] = constraint_file(policy)
    return files


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "policies"))
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when out of date")
    parser.add_argument("--list", action="store_true", help="print `NNN builtin-name GatekeeperKind` per policy")
    args = parser.parse_args()
    if args.list:
        for p in POLICIES:
            print(f"KUBE-{p[0]} {p[1]} {p[2]}")
        return 0
    stale = []
    for path, text in outputs(args.out).items():
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    if args.check and stale:
        print("out of date (run python3 bench/policy/make_policies.py):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
