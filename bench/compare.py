#!/usr/bin/env python3
"""Reads the fio and pinio JSON reports bench/compare.sh left in a folder and prints the medians
and the pinio/fio ratios, with PASS/MISS against issue 4's targets: pinio >= 1.0x fio's IOPS
and bandwidth, p99 <= 1.1x fio's, user CPU per I/O <= 1.0x fio's (issue 12). Where a run left perf
samples (SAMPLE=1), its user CPU per I/O is the job threads' sampled user time, not rusage's."""
import glob, json, os, re, statistics, sys

from ab import HZ, job_samples

def read_runs(folder):
    """{job: {tool: [run metrics]}} from the JSON reports compare.sh left in folder."""
    rows = {}
    for path in glob.glob(os.path.join(folder, "*.json")):
        name, tool, run = re.match(r"(.*)\.(fio|pinio)\.(\d+)\.json$", os.path.basename(path)).groups()
        try:
            with open(path) as f:
                text = f.read()
            doc = json.loads(text[text.index("{"):])
        except (ValueError, OSError):
            continue
        job = doc["jobs"][0]
        ios = iops = bw = 0.0
        clat = {}
        for d in ("read", "write"):
            s = job[d]
            ios += s["total_ios"]
            iops += s["iops"]
            bw += s["bw_bytes"]
            if s["total_ios"] > 0 and not clat:
                clat = s["clat_ns"].get("percentile", {})
        runtime_us = job["job_runtime"] * 1000.0
        usr_us = job["usr_cpu"] / 100.0 * runtime_us
        sys_us = job["sys_cpu"] / 100.0 * runtime_us
        cpu_us = usr_us + sys_us
        samples = path[:-len(".json")] + ".samples"
        if ios and os.path.exists(samples):
            usr_us = job_samples(samples)[0] * 1e6 / HZ
        m = dict(iops=iops, bw=bw / 2**20,
                 p50=clat.get("50.000000", 0) / 1000, p99=clat.get("99.000000", 0) / 1000, p999=clat.get("99.900000", 0) / 1000,
                 usr=usr_us / ios if ios else 0, cpu=cpu_us / ios if ios else 0, run=int(run))
        rows.setdefault(name, {}).setdefault(tool, []).append(m)
    return rows


def med(runs, key):
    return statistics.median(r[key] for r in runs) if runs else float("nan")

def ratios(rows):
    """(job, IOPS, bw, p50, p99, p99.9, usr CPU/IO, CPU/IO) ratios pinio/fio for the jobs both tools ran."""
    verdicts = []
    for name in sorted(rows):
        f, p = rows[name].get("fio", []), rows[name].get("pinio", [])
        if f and p:
            ratio = lambda k: med(p, k) / med(f, k) if med(f, k) else float("nan")
            verdicts.append((name, ratio("iops"), ratio("bw"), ratio("p50"), ratio("p99"), ratio("p999"), ratio("usr"), ratio("cpu")))
    return verdicts


def paired_ratios(rows):
    """(job, rounds, IOPS, bw, p50, p99, p99.9, usr CPU/IO, CPU/IO, lowest and highest IOPS ratio):
    the median over rounds of each round's pinio/fio, the two measured back to back. On a host whose
    device swings between minutes (the ext4 file's virtio disk: 2K to 140K IOPS for one job) a
    round's pair shares the swing; the medians of each tool taken apart do not."""
    verdicts = []
    keys = ("iops", "bw", "p50", "p99", "p999", "usr", "cpu")
    for name in sorted(rows):
        fio = {r["run"]: r for r in rows[name].get("fio", [])}
        pinio = {r["run"]: r for r in rows[name].get("pinio", [])}
        rounds = sorted(set(fio) & set(pinio))
        if not rounds:
            continue
        per = {k: [pinio[n][k] / fio[n][k] for n in rounds if fio[n][k]] for k in keys}
        m = {k: statistics.median(v) if v else float("nan") for k, v in per.items()}
        verdicts.append((name, len(rounds), *(m[k] for k in keys), min(per["iops"], default=float("nan")), max(per["iops"], default=float("nan"))))
    return verdicts


def misses(iops, bw, p99, usr):
    """What misses issue 12's targets: IOPS and bandwidth >= 1.0x, p99 <= 1.1x, user CPU per I/O <= 1.0x."""
    found = []
    if iops < 1.0: found.append(f"IOPS by {100*(1-iops):.0f}%")
    if bw < 1.0: found.append(f"bw by {100*(1-bw):.0f}%")
    if p99 > 1.1: found.append(f"p99 {p99:.2f}x")
    if usr > 1.0: found.append(f"usr CPU {usr:.2f}x")
    return found


def main(folder):
    rows = read_runs(folder)
    sampled = bool(glob.glob(os.path.join(folder, "*.samples")))
    print(f"Medians of the runs in {folder} (ratio = pinio / fio; user CPU per I/O from "
          f"{'perf samples of the job threads' if sampled else 'rusage'}).\n")
    print("| job | tool | IOPS | MiB/s | p50 us | p99 us | p99.9 us | usr CPU us/IO | CPU us/IO |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in sorted(rows):
        for tool in ("fio", "pinio"):
            r = rows[name].get(tool, [])
            print(f"| {name} | {tool} ({len(r)}) | {med(r,'iops'):,.0f} | {med(r,'bw'):,.1f} | {med(r,'p50'):,.1f} | {med(r,'p99'):,.1f} | {med(r,'p999'):,.1f} | {med(r,'usr'):.2f} | {med(r,'cpu'):.2f} |")
    print("\n| job | IOPS | bandwidth | p50 | p99 | p99.9 | usr CPU/IO | CPU/IO | targets (IOPS,bw >= 1.0; p99 <= 1.1; usr CPU/IO <= 1.0) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, iops, bw, p50, p99, p999, usr, cpu in ratios(rows):
        missed = misses(iops, bw, p99, usr)
        print(f"| {name} | {iops:.2f}x | {bw:.2f}x | {p50:.2f}x | {p99:.2f}x | {p999:.2f}x | {usr:.2f}x | {cpu:.2f}x | {'PASS' if not missed else 'MISS: ' + ', '.join(missed)} |")
    print("\nPaired: the median of each round's pinio/fio (both run back to back), IOPS range over the rounds.\n")
    print("| job | rounds | IOPS (range) | bandwidth | p50 | p99 | p99.9 | usr CPU/IO | CPU/IO | targets (paired) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, n, iops, bw, p50, p99, p999, usr, cpu, low, high in paired_ratios(rows):
        missed = misses(iops, bw, p99, usr)
        print(f"| {name} | {n} | {iops:.2f}x ({low:.2f}..{high:.2f}) | {bw:.2f}x | {p50:.2f}x | {p99:.2f}x | {p999:.2f}x | {usr:.2f}x | {cpu:.2f}x | {'PASS' if not missed else 'MISS: ' + ', '.join(missed)} |")


if __name__ == "__main__":
    main(sys.argv[1])
