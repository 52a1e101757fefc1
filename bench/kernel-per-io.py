#!/usr/bin/env python3
"""Prints what bench/kernel-per-io.sh counted: for each job, each event per I/O under fio and
under pinio side by side, and the device's view from /proc/diskstats (requests and merges per
I/O, KiB per request, average requests in flight over the tool's whole run, startup included)."""
import glob, json, os, re, sys

folder = sys.argv[1]
jobs = {}
for path in sorted(glob.glob(os.path.join(folder, "*.stat"))):
    name, tool = re.match(r"(.*)\.(fio|pinio)\.stat$", os.path.basename(path)).groups()
    try:
        with open(os.path.join(folder, f"{name}.{tool}.json")) as f:
            text = f.read()
        job = json.loads(text[text.index("{"):])["jobs"][0]
    except (ValueError, OSError):
        continue
    ios = sum(job[d]["total_ios"] for d in ("read", "write", "trim"))
    runtime = job["job_runtime"] / 1000.0
    counts = {}
    with open(path) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) > 2 and parts[0] and not line.startswith("#"):
                try:
                    counts[parts[2]] = float(parts[0])
                except ValueError:
                    pass  # "<not counted>" / "<not supported>"
    with open(os.path.join(folder, f"{name}.{tool}.disk")) as f:
        before, after, t0, t1, load = f.read().strip().split("|")
    b, a = [list(map(int, s.split())) for s in (before, after)]
    # reads, read merges, read sectors, writes, write merges, write sectors, weighted ms in queue
    reqs = (a[0] - b[0]) + (a[3] - b[3])
    merges = (a[1] - b[1]) + (a[4] - b[4])
    sectors = (a[2] - b[2]) + (a[5] - b[5])
    wall = float(t1) - float(t0)
    disk = {
        "disk: requests": reqs, "disk: merges": merges,
        "disk: KiB per request": sectors / 2 / reqs if reqs else 0,
        "disk: in flight (avg over wall)": (a[6] - b[6]) / 1000.0 / wall if wall else 0,
    }
    jobs.setdefault(name, {})[tool] = dict(ios=ios, iops=ios / runtime if runtime else 0, counts=counts, disk=disk, load=load,
                                           usr=job["usr_cpu"] / 100 * runtime / ios * 1e6 if ios else 0,
                                           sys=job["sys_cpu"] / 100 * runtime / ios * 1e6 if ios else 0)

for name, tools in sorted(jobs.items()):
    f, p = tools.get("fio"), tools.get("pinio")
    if not f or not p:
        continue
    print(f"\n### {name}: fio {f['iops']:,.0f} IOPS (load {f['load']}), pinio {p['iops']:,.0f} IOPS (load {p['load']})\n")
    print("| per I/O | fio | pinio |")
    print("|---|---:|---:|")
    print(f"| job usr CPU us (JSON) | {f['usr']:.2f} | {p['usr']:.2f} |")
    print(f"| job sys CPU us (JSON) | {f['sys']:.2f} | {p['sys']:.2f} |")
    for event in f["counts"]:
        fv, pv = f["counts"][event], p["counts"].get(event, 0)
        if event == "task-clock":
            print(f"| process task-clock us (startup included) | {fv * 1000 / f['ios']:.2f} | {pv * 1000 / p['ios']:.2f} |")
        else:
            print(f"| {event} | {fv / f['ios']:.3f} | {pv / p['ios']:.3f} |")
    for key in f["disk"]:
        fv, pv = f["disk"][key], p["disk"][key]
        if key in ("disk: requests", "disk: merges"):
            print(f"| {key} | {fv / f['ios']:.3f} | {pv / p['ios']:.3f} |")
        else:
            print(f"| {key} | {fv:.1f} | {pv:.1f} |")
