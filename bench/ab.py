#!/usr/bin/env python3
"""Medians of what bench/ab.sh left in a folder, per job and side, with ratios against side 0.

The job thread's user time per I/O is given twice. rusage (the usr_cpu both tools report) is
split from the thread's exact run time by which mode the scheduler tick found it in: on a kernel
with tick-based CPU accounting it swings ±10% per 3-second run, and it is biased where a job
sleeps once per I/O. perf's cpu-clock:u samples (4999 Hz) count user time directly; they are
split for pinio into the library's code ([PinIo], or PinIo_PinIo_* in a Native AOT binary), the
runner's ([PinIo.Cli], PinIo_Cli_*) and the rest (runtime, libc, vdso). For fio the job is its worker process (every fio process but the first).
"""
import glob, json, os, re, statistics, sys

HZ = 4999
SAMPLE = re.compile(r"\s*[\d.]+%\s+(\d+)\s+(\d+):(.*?)\s{2,}\s*(.*)$")


def job_samples(path):
    """User samples of the job threads: pinio's 'pinio job ...' threads, or fio's workers."""
    rows = []
    for line in open(path):
        m = SAMPLE.match(line)
        if m:
            rows.append((int(m.group(2)), m.group(3).strip(), int(m.group(1)), m.group(4)))
    fio_pids = sorted({pid for pid, comm, _, _ in rows if comm == "fio"})
    total = lib = cli = 0
    for pid, comm, n, sym in rows:
        if comm.startswith("pinio job") or (comm == "fio" and pid != fio_pids[0]):
            total += n
            # JIT frames carry the assembly ("[PinIo]"); Native AOT symbols its mangled prefix.
            lib += n if "[PinIo]" in sym or sym.startswith("[.] PinIo_PinIo_") else 0
            cli += n if "[PinIo.Cli]" in sym or sym.startswith("[.] PinIo_Cli_") else 0
    return total, lib, cli


def enters(path):
    try:
        return next(float(l.split(",")[0]) for l in open(path) if "io_uring_enter" in l)
    except (OSError, StopIteration, ValueError):
        return float("nan")


def read_round(base):
    with open(base + ".json") as f:
        text = f.read()
    job = json.loads(text[text.index("{"):])["jobs"][0]
    ios = sum(job[d]["total_ios"] for d in ("read", "write"))
    if not ios:
        raise ValueError("no I/O")
    runtime_us = job["job_runtime"] * 1000.0
    total, lib, cli = job_samples(base + ".samples")
    per_io = 1e6 / HZ / ios
    return dict(
        iops=sum(job[d]["iops"] for d in ("read", "write")),
        usr=job["usr_cpu"] / 100.0 * runtime_us / ios,
        cpu=(job["usr_cpu"] + job["sys_cpu"]) / 100.0 * runtime_us / ios,
        sampled=total * per_io, lib=lib * per_io, cli=cli * per_io,
        enters=enters(base + ".stat") / ios, ctx=job["ctx"] / ios,
        load=float(open(base + ".load").read()))


def read_folder(folder):
    """{job: {side: {run: round}}}"""
    rounds = {}
    for path in glob.glob(os.path.join(folder, "*.side*.*.json")):
        name, side, run = re.match(r"(.+)\.side(\d+)\.(\d+)\.json$", os.path.basename(path)).groups()
        try:
            rounds.setdefault(name, {}).setdefault(int(side), {})[int(run)] = read_round(path[:-5])
        except (ValueError, OSError, KeyError):
            continue
    return rounds


def med(runs, key):
    return statistics.median(r[key] for r in runs.values())


def per_round_ratio(side, base, key):
    pairs = [side[n][key] / base[n][key] for n in side if n in base and base[n][key]]
    return statistics.median(pairs) if pairs else float("nan")


def main(folder):
    labels = {int(re.match(r"side(\d+)", os.path.basename(p)).group(1)): open(p).read().strip()
              for p in glob.glob(os.path.join(folder, "side*.label"))}
    for name, sides in sorted(read_folder(folder).items()):
        base = sides.get(0)
        print(f"\n{name}")
        print("| side | rounds | load | IOPS | usr µs/IO rusage | usr µs/IO sampled (library + runner + rest) | CPU µs/IO | enters/IO | ctx/IO | IOPS vs 0 | sampled usr vs 0 (per round) |")
        print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
        for side, runs in sorted(sides.items()):
            split = f"{med(runs, 'sampled'):.3f} ({med(runs, 'lib'):.3f} + {med(runs, 'cli'):.3f} + {med(runs, 'sampled') - med(runs, 'lib') - med(runs, 'cli'):.3f})"
            vs = (f"{med(runs, 'iops') / med(base, 'iops'):.3f}x | {per_round_ratio(runs, base, 'sampled'):.3f}x"
                  if base else "- | -")
            print(f"| `{labels.get(side, side)}` | {len(runs)} | {med(runs, 'load'):.1f} | {med(runs, 'iops'):,.0f} | {med(runs, 'usr'):.3f} "
                  f"| {split} | {med(runs, 'cpu'):.2f} | {med(runs, 'enters'):.3f} | {med(runs, 'ctx'):.2f} | {vs} |")


if __name__ == "__main__":
    main(sys.argv[1])
