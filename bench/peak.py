#!/usr/bin/env python3
"""bench/peak.sh's helper (issue 12): runs one tool and prints one JSON line of its figures, or sums up.

  peak.py tio OUT -- CMD...    t/io_uring: IOPS = mean of its per-second lines, CPU = the process's rusage over its wall time
  peak.py pinio OUT -- CMD...  pinio peak --output-format=json: its own figures (process CPU over the loop's run, io-wq workers included)
  peak.py fio OUT -- CMD...    fio --output-format=json: the job's iops; CPU = fio's processes' rusage
  peak.py summary DIR          medians per target and tool, and the ratios pinio / t/io_uring and pinio / fio
"""
import json
import resource
import os
import re
import statistics
import time
import subprocess
import sys


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
    return proc.stdout


def record(kind, out_path, cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The children's rusage grows by exactly this child's: one child at a time.
    began = time.monotonic()
    out = run(cmd)
    wall = time.monotonic() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if kind == "tio":
        rates = [float(m.group(1)) * {"": 1, "K": 1e3, "M": 1e6}[m.group(2)]
                 for m in re.finditer(r"^IOPS=([\d.]+)([KM]?),", out, re.M)]
        if not rates:
            sys.exit(f"t/io_uring printed no IOPS line: {out[-400:]}")
        iops = statistics.mean(rates)
        # Its lines cover whole seconds only; the process's CPU covers the whole run.
        ios = iops * wall
        usr = after.ru_utime - before.ru_utime
        sys_ = after.ru_stime - before.ru_stime
        fig = dict(iops=iops, iops_per_core=ios / max(proc_cpu, 1e-9), usr_ns=usr * 1e9 / ios, sys_ns=sys_ * 1e9 / ios)
    elif kind == "pinio":
        j = json.loads(out)
        fig = dict(iops=j["iops"], iops_per_core=j["iops_per_core"], usr_ns=j["usr_ns_per_io"], sys_ns=j["sys_ns_per_io"],
                   pins_per_io=j["kernel_pins_per_io"], loop_usr_ns=sum(t["usr_s"] for t in j["threads"]) * 1e9 / max(j["ios"], 1),
                   whole_process_iops_per_core=j["ios"] / max(proc_cpu, 1e-9))
    else:
        j = json.loads(out[out.index("{"):])
        job = j["jobs"][0]
        iops = job["read"]["iops"]
        ios = job["read"]["total_ios"]
        # fio's own usr_cpu/sys_cpu are its job thread's (RUSAGE_THREAD): they miss the io-wq
        # workers a target without NOWAIT (zram) hands reads to. The processes' rusage has them.
        usr = after.ru_utime - before.ru_utime
        sys_ = after.ru_stime - before.ru_stime
        fig = dict(iops=iops, iops_per_core=ios / max(proc_cpu, 1e-9), usr_ns=usr * 1e9 / max(ios, 1), sys_ns=sys_ * 1e9 / max(ios, 1),
                   job_iops_per_core=iops / max((job["usr_cpu"] + job["sys_cpu"]) / 100.0, 1e-9))
    fig["load"] = float(open("/proc/loadavg").read().split()[0])
    with open(out_path, "a") as f:
        f.write(json.dumps(fig) + "\n")
    print(f"  {kind:6} IOPS={fig['iops'] / 1e3:8.1f}K  IOPS/core={fig['iops_per_core'] / 1e3:8.1f}K  usr={fig['usr_ns']:5.0f} ns  sys={fig['sys_ns']:5.0f} ns  load={fig['load']}", file=sys.stderr)


def summary(directory):
    rows = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".jsonl"):
            continue
        target, tool = name[:-6].split(".", 1)
        figs = [json.loads(line) for line in open(os.path.join(directory, name))]
        med = {k: statistics.median(f[k] for f in figs) for k in figs[0] if figs[0][k] is not None}
        rows.append((target, tool, len(figs), med))
    print(f"{'target':8} {'tool':6} {'runs':>4} {'IOPS':>9} {'IOPS/core':>10} {'usr ns/IO':>9} {'sys ns/IO':>9} {'pins/IO':>7} {'loop usr':>8} {'load':>5}")
    by = {}
    for target, tool, n, m in rows:
        by[(target, tool)] = m
        pins = f"{m['pins_per_io']:.3f}" if "pins_per_io" in m else "-"
        loop_usr = f"{m['loop_usr_ns']:.0f}" if "loop_usr_ns" in m else "-"
        print(f"{target:8} {tool:6} {n:>4} {m['iops'] / 1e3:8.1f}K {m['iops_per_core'] / 1e3:9.1f}K {m['usr_ns']:9.0f} {m['sys_ns']:9.0f} {pins:>7} {loop_usr:>8} {m['load']:5.1f}")
    print()
    for target in sorted({t for t, _ in by}):
        p = by.get((target, "pinio"))
        b = by.get((target, "pinioB"))
        if p and b:
            print(f"{target:8} pinioB/pinio: IOPS {b['iops'] / p['iops']:.2f}x  IOPS/core {b['iops_per_core'] / p['iops_per_core']:.2f}x  "
                  f"usr/IO {b['usr_ns'] / max(p['usr_ns'], 1e-9):.2f}x  sys/IO {b['sys_ns'] / max(p['sys_ns'], 1e-9):.2f}x")
        for other in ("tio", "fio"):
            o = by.get((target, other))
            if p and o:
                print(f"{target:8} pinio/{other:4}: IOPS {p['iops'] / o['iops']:.2f}x  IOPS/core {p['iops_per_core'] / o['iops_per_core']:.2f}x  "
                      f"usr/IO {p['usr_ns'] / max(o['usr_ns'], 1e-9):.2f}x  sys/IO {p['sys_ns'] / max(o['sys_ns'], 1e-9):.2f}x")


if __name__ == "__main__":
    if sys.argv[1] == "summary":
        summary(sys.argv[2])
    else:
        record(sys.argv[1], sys.argv[2], sys.argv[sys.argv.index("--") + 1:])
