#!/usr/bin/env bash
# Issue 12, task "libpath": A/B of two pinio builds on one job (zram0, read only), run
# alternately (A, B, A, B, ...) under taskset -c 1. The job thread's user time per I/O is
# counted from perf's cpu-clock:u samples (4999 Hz, the perf map on), which on this VM is far
# steadier than the rusage user time (tick-sampled: about ±10% per 3-second run), and split
# into the library's JIT code ([PinIo]), the runner's ([PinIo.Cli]) and everything else
# (libc, vdso, the runtime, the JIT at the job's start: the same for both builds).
#
#   A=/tmp/pinio-main B=src/PinIo.Cli/bin/Release/net10.0 RUNS=10 bench/ab-builds.sh randread-4k-qd32
#
# A and B are directories holding a `pinio` binary (copy a build aside before changing it).
set -euo pipefail
cd "$(dirname "$0")/.."
JOB="$1"
RUNS="${RUNS:-10}"
RUNTIME="${RUNTIME:-3}"
OUT="${OUT:-/tmp/pinio-ab-builds}"
mkdir -p "$OUT"
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
export PINIO_TARGET=/dev/zram0 PINIO_SIZE="${PINIO_SIZE:-2g}" PINIO_RUNTIME="$RUNTIME"
: >"$OUT/$JOB.jsonl"
for ((run = 1; run <= RUNS; run++)); do
    for side in A B; do
        dir="${!side}"
        load=$(cut -d' ' -f1 /proc/loadavg)
        perf record -q -o "$OUT/perf.data" -e cpu-clock:u -F 4999 -- \
            taskset -c 1 "$dir/pinio" "bench/jobs/$JOB.fio" --output-format=json >"$OUT/run.json" 2>/dev/null
        perf report -i "$OUT/perf.data" -n --sort comm,dso,sym -g none 2>/dev/null | grep -v '^#' | grep ' job ' >"$OUT/samples.txt" || true
        python3 - "$side" "$run" "$load" "$OUT" >>"$OUT/$JOB.jsonl" <<'PY'
import json, re, sys
side, run, load, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
job = json.load(open(f"{out}/run.json"))["jobs"][0]
ios = job["read"]["total_ios"] + job["write"]["total_ios"]
total = lib = cli = 0
for line in open(f"{out}/samples.txt"):
    m = re.match(r"\s*[\d.]+%\s+(\d+)\s", line)
    if m:
        n = int(m.group(1))
        total += n
        lib += n if "[PinIo]" in line else 0
        cli += n if "[PinIo.Cli]" in line else 0
us = 1e6 / 4999 / ios
print(json.dumps(dict(side=side, run=run, load=load, iops=job["read"]["iops"] + job["write"]["iops"],
                      usr=total * us, lib=lib * us, cli=cli * us, other=(total - lib - cli) * us,
                      rusage_usr=job["usr_cpu"] / 100 * job["job_runtime"] * 1000 / ios)))
PY
    done
done
python3 - "$OUT/$JOB.jsonl" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = max(r["run"] for r in rows)
loads = [r["load"] for r in rows]
print(f"{sys.argv[1]}: {runs} rounds, load median {st.median(loads):.1f} ({min(loads):.1f}..{max(loads):.1f})")
for side in "AB":
    rr = [r for r in rows if r["side"] == side]
    med = {k: st.median(r[k] for r in rr) for k in ("usr", "lib", "cli", "other", "rusage_usr", "iops")}
    print(f" {side}: job thread user us/IO {med['usr']:.3f} = library {med['lib']:.3f} + runner {med['cli']:.3f} + other {med['other']:.3f}"
          f" | rusage usr/IO {med['rusage_usr']:.3f} | IOPS {med['iops']:,.0f}")
for k in ("usr", "lib"):
    ratio = [next(r for r in rows if r["run"] == n and r["side"] == "B")[k] / next(r for r in rows if r["run"] == n and r["side"] == "A")[k] for n in range(1, runs + 1)]
    print(f" B/A {k}: median {st.median(ratio):.3f}, B lower in {sum(x < 1 for x in ratio)} of {runs}")
PY
