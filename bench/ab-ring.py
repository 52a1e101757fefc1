#!/usr/bin/env python3
"""Medians of the sides bench/ab-ring.sh left in a folder: IOPS, user and total CPU per I/O
(the job thread's own rusage), and the load average during the rounds; ratios against side 0."""
import glob, json, os, re, statistics, sys

folder = sys.argv[1]
sides = {}
for path in glob.glob(os.path.join(folder, "side*.*.json")):
    side, run = re.match(r"side(\d+)\.(\d+)\.json$", os.path.basename(path)).groups()
    try:
        with open(path) as f:
            text = f.read()
        job = json.loads(text[text.index("{"):])["jobs"][0]
        with open(path[:-5] + ".load") as f:
            load = float(f.read())
    except (ValueError, OSError):
        continue
    ios = sum(job[d]["total_ios"] for d in ("read", "write"))
    iops = sum(job[d]["iops"] for d in ("read", "write"))
    runtime_us = job["job_runtime"] * 1000.0
    usr = job["usr_cpu"] / 100.0 * runtime_us / ios if ios else 0
    cpu = (job["usr_cpu"] + job["sys_cpu"]) / 100.0 * runtime_us / ios if ios else 0
    sides.setdefault(int(side), []).append(dict(iops=iops, usr=usr, cpu=cpu, load=load))

def med(rows, key):
    return statistics.median(r[key] for r in rows)

print("| side | rounds | IOPS | usr CPU us/IO | CPU us/IO | load | IOPS vs side 0 | CPU/IO vs side 0 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
base = sides.get(0)
for side in sorted(sides):
    rows = sides[side]
    with open(os.path.join(folder, f"side{side}.label")) as f:
        label = f.read().strip()
    print(f"| `{label}` | {len(rows)} | {med(rows,'iops'):,.0f} | {med(rows,'usr'):.2f} | {med(rows,'cpu'):.2f} | {med(rows,'load'):.2f} "
          f"| {med(rows,'iops')/med(base,'iops'):.3f}x | {med(rows,'cpu')/med(base,'cpu'):.3f}x |")
