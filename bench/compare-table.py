#!/usr/bin/env python3
"""One table of issue 12's ratios over several bench/compare.sh result folders (one per target
or mode): for each job, pinio/fio IOPS, p99 and user CPU per I/O in each folder, and how many
of the issue's targets are met.

    bench/compare-table.py zram=bench/out/compare-zram-... loop=bench/out/compare-loop-... file=...
"""
import sys

from compare import misses, ratios, read_runs

columns = [arg.split("=", 1) for arg in sys.argv[1:]]
by_column = {label: {v[0]: v for v in ratios(read_runs(folder))} for label, folder in columns}
jobs = sorted({job for table in by_column.values() for job in table})
header = "| job | " + " | ".join(f"{label} IOPS | {label} p99 | {label} usr CPU/IO" for label, _ in columns) + " |"
print(header)
print("|---|" + "---:|---:|---:|" * len(columns))
met = total = 0
for job in jobs:
    cells = []
    for label, _ in columns:
        v = by_column[label].get(job)
        if v is None:
            cells.append("- | - | -")
            continue
        _, iops, bw, _, p99, _, usr, _ = v
        missed = misses(iops, bw, p99, usr)
        total += 1
        met += not missed
        mark = lambda text, bad: f"**{text}**" if bad else text
        cells.append(f"{mark(f'{iops:.2f}x', iops < 1.0)} | {mark(f'{p99:.2f}x', p99 > 1.1)} | {mark(f'{usr:.2f}x', usr > 1.0)}")
    print(f"| {job} | " + " | ".join(cells) + " |")
print(f"\n{met} of {total} job/target pairs meet every target (IOPS and bandwidth >= 1.0x fio, p99 <= 1.1x, "
      "user CPU per I/O <= 1.0x); misses in bold.")
