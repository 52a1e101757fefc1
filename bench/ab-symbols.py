#!/usr/bin/env python3
"""Per-symbol user time of the job thread, in ns per I/O, side by side for the sides of one
bench/ab.sh run: the samples of every round summed (perf cpu-clock:u at 4999 Hz, ~200 us a
sample) over the I/Os of those rounds. Sturdier than the whole-thread medians on a shared
machine: a change that moves one symbol shows there even when the round-to-round swing hides it.

    python3 bench/ab-symbols.py bench/out/ab-... randread-4k-qd32 1 2 [3 ...] [--top 40]
"""
import collections
import glob
import json
import re
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--top")]
top = 40
if "--top" in sys.argv:
    top = int(sys.argv[sys.argv.index("--top") + 1])
    args = [a for a in args if a != str(top)]
out_dir, job, sides = args[0], args[1], args[2:]


def load(side):
    samples = collections.Counter()
    ios = 0
    for path in glob.glob(f"{out_dir}/{job}.side{side}.*.samples"):
        base = path[: -len(".samples")]
        report = json.load(open(base + ".json"))["jobs"][0]
        ios += sum(report[d]["total_ios"] for d in ("read", "write", "trim") if d in report)
        for line in open(path):
            m = re.match(r"\s*[\d.]+%\s+(\d+)\s+\d+:(.*?)\s+\[\.\]\s+(.*)$", line)
            if not m or ("job" not in m.group(2) and "fio" not in m.group(2)):
                continue
            samples[re.sub(r"0x0000[0-9a-f]+", "<anon>", m.group(3).strip())] += int(m.group(1))
    return {sym: n * 1e9 / 4999 / ios for sym, n in samples.items()}


per_side = [load(s) for s in sides]
print("%-90s" % "total", *["%7.1f" % sum(x.values()) for x in per_side])
for sym in sorted(set().union(*per_side), key=lambda k: -max(x.get(k, 0) for x in per_side))[:top]:
    print("%-90s" % sym[:90], *["%7.1f" % x.get(sym, 0) for x in per_side])
