package main

import rego.v1

import data.lib.workload

# METADATA
# title: Workload lacks an ownership label
# description: Every pod must say which team owns it and who to page (`team`, `owner`).
# custom:
#   id: BENCH-001
#   severity: high
deny contains msg if {
	workload.pod_spec(input)
	labels := workload.pod_labels(input)
	some required in ["team", "owner"]
	not labels[required]
	msg := sprintf("%s %s has no `%s` label", [input.kind, input.metadata.name, required])
}
