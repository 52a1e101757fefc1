#!/usr/bin/env python3
"""Medians of bench/runner-cpu.sh's reports: user CPU µs per I/O of the job thread (usr_cpu ×
job_runtime / I/Os, as compare.py), IOPS, context switches, load; and the ratios to fio's."""
import glob, json, os, re, statistics, sys

folder = sys.argv[1]
rows = {}
for path in glob.glob(os.path.join(folder, "*.json")):
    name, tool, run = re.match(r"(.*)\.([\w-]+)\.(\d+)\.json$", os.path.basename(path)).groups()
    try:
        with open(path) as f:
            text = f.read()
        job = json.loads(text[text.index("{"):])["jobs"][0]
    except (ValueError, OSError):
        continue
    ios = sum(job[d]["total_ios"] for d in ("read", "write", "trim"))
    if ios == 0:
        continue
    load = open(path[:-5] + ".load").read().strip() if os.path.exists(path[:-5] + ".load") else "?"
    rows.setdefault(name, {}).setdefault(tool, []).append(dict(
        usr=job["usr_cpu"] * job["job_runtime"] * 10.0 / ios, iops=ios * 1000.0 / job["job_runtime"], ctx=job["ctx"], load=float(load)))

print(f"Medians of the rounds in {folder}\n")
print("| job | tool (rounds) | usr µs/IO | min | vs fio | IOPS | ctx | load |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for name in sorted(rows):
    fio = rows[name].get("fio")
    base = statistics.median(r["usr"] for r in fio) if fio else float("nan")
    for tool in sorted(rows[name], key=lambda t: (t != "fio", t)):
        r = rows[name][tool]
        m = statistics.median(x["usr"] for x in r)
        print(f"| {name} | {tool} ({len(r)}) | {m:.3f} | {min(x['usr'] for x in r):.3f} | {m / base:.2f}× | "
              f"{statistics.median(x['iops'] for x in r):,.0f} | {statistics.median(x['ctx'] for x in r):,.0f} | {statistics.median(x['load'] for x in r):.1f} |")
