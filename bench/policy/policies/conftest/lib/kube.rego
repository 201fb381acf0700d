package lib.kube

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
