#!/usr/bin/env python3
"""bench/run.sh's helper: normalizes one fio or PinIo.Bench result to a JSON line, and
summarizes a results.jsonl into medians, ratios to fio and PASS/MISS per target. An engine
named ENGINE@B is ENGINE run with another build (bench/run.sh's BENCH_B): it is compared with
ENGINE's fio counterpart, and each case gets a table of B/A per engine.

  report.py fio FIO.json TARGET CASE ENGINE RUN VMSTAT_PINS_BEFORE VMSTAT_PINS_AFTER
  report.py pinio - TARGET CASE ENGINE RUN        (PinIo.Bench's JSON line on stdin)
  report.py summary results.jsonl
"""
import json
import os
import statistics
import sys


def norm_fio(path, target, case, engine, run, p0, p1):
    with open(path) as f:
        text = f.read()
    # fio may print notes before the JSON document.
    job = json.loads(text[text.index("{"):])["jobs"][0]
    r = job["read"]
    ios = r["total_ios"]
    secs = job["job_runtime"] / 1000.0
    lat = r["lat_ns"].get("percentile") or r["clat_ns"]["percentile"]
    cpu_s = (job["usr_cpu"] + job["sys_cpu"]) / 100.0 * secs
    kpins = (int(p1) - int(p0)) if p0 and p1 else None
    return {
        "target": target, "case": case, "engine": engine, "run": int(run),
        "iops": r["iops"], "bw": r["bw_bytes"],
        "p50_us": lat["50.000000"] / 1000.0, "p99_us": lat["99.000000"] / 1000.0,
        "cpu_us_per_io": cpu_s * 1e6 / ios if ios else None,
        "usr_us_per_io": job["usr_cpu"] / 100.0 * secs * 1e6 / ios if ios else None,
        "kpins_per_io": kpins / ios if kpins is not None and ios else None,
        "pinio_pins_per_io": None, "alloc_per_io": None, "engine_in_use": engine,
    }


def norm_pinio(line, target, case, engine, run):
    d = json.loads(line)
    return {
        "target": target, "case": case, "engine": engine, "run": int(run),
        "iops": d["iops"], "bw": d["bw_bytes_per_s"],
        "p50_us": d["lat_p50_us"], "p99_us": d["lat_p99_us"],
        "cpu_us_per_io": d["cpu_us_per_io"],
        "usr_us_per_io": d.get("usr_us_per_io"), "ring_usr_us_per_io": d.get("ring_usr_us_per_io"),
        "kpins_per_io": d["pins_kernel_per_io"],
        "pinio_pins_per_io": d["pins_pinio_per_io"], "alloc_per_io": d["alloc_bytes_per_io"],
        "engine_in_use": d["engine_in_use"],
    }


CASE_TITLES = {
    "qd1": "4 KiB random read, iodepth 1",
    "qd32": "4 KiB random read, iodepth 32",
    "seq": "1 MiB sequential read, iodepth 8",
    "lib": "4 KiB random read, iodepth 32, DirectFile.ReadAsync from the caller's own async loop (issue 12)",
    "libpool": "4 KiB random read, iodepth 32, DirectFile.ReadAsync from the caller's own async loop, default configuration",
    "libpin": "4 KiB random read, iodepth 32, DirectFile.ReadAsync from the caller's own async loop, pinned caller memory",
}
# engine -> the fio engine it is compared with
COUNTERPART = {
    "pinio-uring": "fio-uring",
    "pinio-uring-fixed": "fio-uring-fixed",
    "pinio-uring-pool": "fio-uring",
    "pinio-uring-array": "fio-uring",
    "pinio-sync": "fio-psync",
    "pinio-libaio": "fio-libaio",
    "dotnet": "fio-uring",
    "dotnet-sync": "fio-uring",
    "fio-uring-batch": "fio-uring",
}
# (case, pinio engine, reference engine, metric, minimum ratio, label)
TARGETS = [
    ("qd32", "pinio-uring-fixed", "fio-uring-fixed", "iops", 1.00, "qd32 IOPS, fixed buffers vs fio --fixedbufs"),
    ("qd32", "pinio-uring", "fio-uring", "iops", 1.00, "qd32 IOPS, no fixed buffers vs fio io_uring"),
    ("qd1", "pinio-uring-fixed", "fio-uring-fixed", "iops", 0.95, "qd1 IOPS, fixed buffers vs fio --fixedbufs"),
    ("qd1", "pinio-uring", "fio-uring", "iops", 0.95, "qd1 IOPS, no fixed buffers vs fio io_uring"),
    ("seq", "pinio-uring-fixed", "fio-uring-fixed", "bw", 0.98, "seq bandwidth, fixed buffers vs fio --fixedbufs"),
    ("seq", "pinio-uring", "fio-uring", "bw", 0.98, "seq bandwidth, no fixed buffers vs fio io_uring"),
    ("qd32", "pinio-uring", "dotnet", "iops", 2.00, "qd32 IOPS vs .NET RandomAccess.ReadAsync, 32 tasks"),
    ("lib", "pinio-uring", "fio-uring", "iops", 1.00, "issue 12: ReadAsync loop IOPS, pinned memory vs fio io_uring"),
    ("lib", "pinio-uring-fixed", "fio-uring-fixed", "iops", 1.00, "issue 12: ReadAsync loop IOPS, AllocateBuffer vs fio --fixedbufs"),
    ("lib", "pinio-uring", "fio-uring", "usr_us_per_io", -1.00, "issue 12: usr CPU/IO, pinned memory vs fio io_uring (<= 1.0x)"),
    ("lib", "pinio-uring-fixed", "fio-uring-fixed", "usr_us_per_io", -1.00, "issue 12: usr CPU/IO, AllocateBuffer vs fio --fixedbufs (<= 1.0x)"),
]


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, (int, float)) and abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def summary(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    by = {}
    for r in rows:
        by.setdefault((r["target"], r["case"], r["engine"]), []).append(r)

    def median_of(target, case, engine, metric):
        rs = by.get((target, case, engine))
        return med([r[metric] for r in rs]) if rs else None

    def paired(target, case, a, b, metric):
        """Per-run ratios a/b: the two ran back to back in each run."""
        ra = {r["run"]: r.get(metric) for r in by.get((target, case, a), [])}
        rb = {r["run"]: r.get(metric) for r in by.get((target, case, b), [])}
        return sorted(ra[k] / rb[k] for k in ra if ra[k] is not None and k in rb and rb[k])

    targets = []
    for r in rows:
        if r["target"] not in targets:
            targets.append(r["target"])
    runs = len({r["run"] for r in rows})
    loads = [r.get("load1") for r in rows if r.get("load1") is not None]
    print(f"Medians of {runs} alternating runs (ratio = median / median of the fio counterpart; "
          f"in brackets the lowest..highest of the per-run ratios, each pair measured back to back).")
    if loads:
        print(f"1-minute load average before each measurement: median {statistics.median(loads):.1f}, "
              f"range {min(loads):.1f}..{max(loads):.1f} on {os.cpu_count()} CPUs (other work shares this machine).")
    if any(e.endswith("@B") for (_, _, e) in by):
        print("ENGINE@B: ENGINE with the build in BENCH_B, run back to back with ENGINE (this tree's build, A) in each run; "
              "B/A = median of the per-run ratios B/A (lowest..highest).")
    for target in targets:
        for case in CASE_TITLES:
            engines = [e for (t, c, e) in by if t == target and c == case]
            if not engines:
                continue
            print()
            print(f"## {target}: {CASE_TITLES[case]}")
            print()
            print("| engine | IOPS | MiB/s | p50 us | p99 us | CPU us/IO | usr us/IO | kernel pins/IO | PinIo pins/IO | alloc B/IO | ratio to fio (runs) |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
            for e in engines:
                rs = by[(target, case, e)]
                iops = med([r["iops"] for r in rs])
                bw = med([r["bw"] for r in rs])
                ratio = "-"
                ref = COUNTERPART.get(e.removesuffix("@B"))
                if ref and (target, case, ref) in by:
                    metric = "bw" if case == "seq" else "iops"
                    m_ref = median_of(target, case, ref, metric)
                    m_e = median_of(target, case, e, metric)
                    p = paired(target, case, e, ref, metric)
                    ratio = f"{m_e / m_ref:.2f}x {ref} ({p[0]:.2f}..{p[-1]:.2f})" if p else f"{m_e / m_ref:.2f}x {ref}"
                in_use = {r["engine_in_use"] for r in rs}
                name = e if e.startswith("fio") or in_use <= {"io_uring", "sync", "libaio", "RandomAccess.ReadAsync", "RandomAccess.Read"} else f"{e} (ran {','.join(sorted(in_use))})"
                print(f"| {name} | {fmt(iops)} | {fmt(bw / 1048576 if bw else None)} | {fmt(med([r['p50_us'] for r in rs]))} "
                      f"| {fmt(med([r['p99_us'] for r in rs]))} | {fmt(med([r['cpu_us_per_io'] for r in rs]), 2)} "
                      f"| {fmt(med([r.get('usr_us_per_io') for r in rs]), 2)} "
                      f"| {fmt(med([r['kpins_per_io'] for r in rs]), 2)} | {fmt(med([r['pinio_pins_per_io'] for r in rs]), 2)} "
                      f"| {fmt(med([r['alloc_per_io'] for r in rs]), 1)} | {ratio} |")
            pairs = [(e[:-2], e) for e in engines if e.endswith("@B") and e[:-2] in engines]
            if pairs:
                metric = "bw" if case == "seq" else "iops"
                print()
                print(f"| engine | B/A {'MiB/s' if case == 'seq' else 'IOPS'} | B/A p99 us | B/A CPU us/IO | B/A usr us/IO |")
                print("|---|---:|---:|---:|---:|")
                for a, b in pairs:
                    cells = []
                    for m in (metric, "p99_us", "cpu_us_per_io", "usr_us_per_io"):
                        p = paired(target, case, b, a, m)
                        cells.append(f"{statistics.median(p):.3f}x ({p[0]:.2f}..{p[-1]:.2f})" if p else "-")
                    print(f"| {a} | {' | '.join(cells)} |")
    print()
    print("## Targets (issue 3)")
    print()
    print("| target | case | measured | needed | result |")
    print("|---|---|---:|---:|---|")
    for target in targets:
        for case, a, b, metric, need, label in TARGETS:
            ma, mb = median_of(target, case, a, metric), median_of(target, case, b, metric)
            if ma is None or mb is None:
                continue
            ratio = ma / mb
            # A negative need is a ceiling (CPU per I/O: at most |need| times fio's).
            if need < 0:
                verdict = "PASS" if ratio <= -need else f"MISS: {ratio:.2f}x"
            else:
                verdict = "PASS" if ratio >= need else f"MISS by {(need - ratio) / need * 100:.0f}%"
            p = paired(target, case, a, b, metric)
            spread = f" (runs {p[0]:.2f}..{p[-1]:.2f})" if p else ""
            print(f"| {target} | {label} | {ratio:.2f}x{spread} | {'<=' if need < 0 else '>='} {abs(need):.2f}x | {verdict} |")


def with_load(d):
    """bench/run.sh passes the 1-minute load average seen before the measurement."""
    load = os.environ.get("LOAD")
    d["load1"] = float(load) if load else None
    return d


def main(argv):
    mode = argv[1]
    if mode == "fio":
        print(json.dumps(with_load(norm_fio(*argv[2:9]))))
    elif mode == "pinio":
        line = sys.stdin.read().strip().splitlines()[-1]
        print(json.dumps(with_load(norm_pinio(line, *argv[3:7]))))
    elif mode == "summary":
        summary(argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
