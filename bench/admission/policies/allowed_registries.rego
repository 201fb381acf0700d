package main

import rego.v1

import data.lib.workload

allowed_registries := ["registry.example.com/", "ghcr.io/example-org/", "public.ecr.aws/example/"]

# METADATA
# title: Image from a registry that is not allowed
# description: Images must come from the company's registries (mirrors included).
# custom:
#   id: BENCH-002
#   severity: high
deny contains msg if {
	some container in workload.containers(input)
	not from_allowed_registry(container.image)
	msg := sprintf("container `%s` uses image `%s`, which is not from an allowed registry (%s)", [container.name, container.image, concat(", ", allowed_registries)])
}

from_allowed_registry(image) if {
	some prefix in allowed_registries
	startswith(image, prefix)
}
