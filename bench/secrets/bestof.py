#!/usr/bin/env python3
"""bestof.py N CMD...: runs CMD N times and prints the minimum and median CPU time
(user+sys of the child, from rusage) and wall time.

On a shared, noisy VM the minimum CPU time of several runs is the most repeatable
measure of a program's own cost; compare two builds with alternating rounds.
"""
import resource
import subprocess
import sys
import time

if len(sys.argv) < 3:
    sys.exit("usage: bestof.py N CMD...")
runs = int(sys.argv[1])
command = sys.argv[2:]
cpus, walls = [], []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    walls.append(time.perf_counter() - started)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
cpus.sort()
walls.sort()
print(
    f"cpu min {cpus[0]:.3f} med {cpus[len(cpus) // 2]:.3f}  "
    f"wall min {walls[0]:.3f} med {walls[len(walls) // 2]:.3f}"
)
