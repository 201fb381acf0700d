package main

import rego.v1

import data.lib.workload

# METADATA
# title: Image without a version
# description: Images must be pinned to a tag other than `latest`, or to a digest.
# custom:
#   id: BENCH-003
#   severity: high
deny contains msg if {
	some container in workload.containers(input)
	not contains(container.image, "@")
	tag := image_tag(container.image)
	tag in {"", "latest"}
	msg := sprintf("container `%s` uses image `%s` without a version (tag `%s`)", [container.name, container.image, tag])
}

# The tag of a reference without a digest: after the last `:` of the last path segment.
image_tag(image) := tag if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	pieces := split(last, ":")
	tag := pieces[count(pieces) - 1]
} else := ""
