package main

import rego.v1

import data.lib.workload

# METADATA
# title: Container without CPU and memory limits
# description: Every container (init containers too) must set `resources.limits.cpu` and `resources.limits.memory`.
# custom:
#   id: BENCH-004
#   severity: high
deny contains msg if {
	some container in workload.containers(input)
	some resource in ["cpu", "memory"]
	not container.resources.limits[resource]
	msg := sprintf("container `%s` has no %s limit", [container.name, resource])
}
