package main

import rego.v1

import data.lib.workload

# METADATA
# title: Pod mounts a hostPath volume
# description: hostPath volumes expose the node's file system; use a PersistentVolumeClaim, emptyDir or CSI volume.
# custom:
#   id: BENCH-005
#   severity: high
deny contains msg if {
	some volume in object.get(workload.pod_spec(input), "volumes", [])
	volume.hostPath
	msg := sprintf("volume `%s` mounts `%s` from the node", [volume.name, volume.hostPath.path])
}
