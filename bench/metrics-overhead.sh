#!/usr/bin/env bash
# Issue 13 item 7 (metrics): what the PinIo meter costs an I/O, three ways, alternately
# (base, off, on, base, off, on, ...), medians over RUNS rounds:
#   base  the build before the metrics (directory A),
#   off   the build with them, nothing listening (directory B),
#   on    the same build with every PinIo instrument listened to through the runtime's
#         MetricsEventSource, the session dotnet-counters opens.
# Part 1, the library alone: PinIo.Bench metrics-loop, 4 KiB reads from a RAM disk that ends
#   each bio inside Submit (the whole request on one thread, no kernel): that thread's user
#   CPU per request, after 2 s of warm-up. The same PinIo.Bench binary runs with A's and with B's PinIo.dll; `on` passes
#   --listen (an in-process EventListener opens the session).
# Part 2, a pinio job (JOB, on a file on /dev/shm by default) under taskset -c 1: the job
#   thread's user time per I/O from perf's cpu-clock:u samples, as in bench/ab.sh;
#   `on` runs it under `dotnet-counters collect --counters PinIo`. On this shared machine the
#   job's IOPS swing 2x from run to run with the other agents' load, and the user CPU per I/O
#   with them (a faster reap batches more completions): part 1 is the figure to trust.
#
#   A=/tmp/metrics-base/src/PinIo.Cli/bin/Release/net10.0 B=/tmp/metrics-B RUNS=9 bench/metrics-overhead.sh
#
# A and B are directories holding a `pinio` build (copy a build aside before changing it);
# PinIo.Bench must be built (dotnet build -c Release bench/PinIo.Bench). COUNTERS is the
# dotnet-counters binary (dotnet tool install dotnet-counters --tool-path /tmp/dotnet-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
JOB="${JOB:-randread-4k-qd32}"
RUNS="${RUNS:-7}"
OUT="${OUT:-/tmp/pinio-metrics-overhead}"
COUNTERS="${COUNTERS:-/tmp/dotnet-tools/dotnet-counters}"
mkdir -p "$OUT"
LOOP_REQUESTS="${LOOP_REQUESTS:-2000000}"
for side in A B; do
    rm -rf "$OUT/loop-$side" && cp -a bench/PinIo.Bench/bin/Release/net10.0 "$OUT/loop-$side"
    dir="${!side}" && cp "$dir/PinIo.dll" "$OUT/loop-$side/PinIo.dll"
done
: >"$OUT/loop.jsonl"
for ((run = 1; run <= RUNS; run++)); do
    for side in base off on; do
        case $side in
            base) cmd=("$OUT/loop-A/PinIo.Bench" metrics-loop) ;;
            off) cmd=("$OUT/loop-B/PinIo.Bench" metrics-loop) ;;
            on) cmd=("$OUT/loop-B/PinIo.Bench" metrics-loop --listen) ;;
        esac
        load=$(cut -d' ' -f1 /proc/loadavg)
        taskset -c 1 "${cmd[@]}" --requests="$LOOP_REQUESTS" | python3 -c "import json,sys; r=json.load(sys.stdin); r.update(side='$side', run=$run, load=$load); print(json.dumps(r))" >>"$OUT/loop.jsonl"
    done
done
python3 - "$OUT/loop.jsonl" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = max(r["run"] for r in rows)
loads = [r["load"] for r in rows]
print(f"Part 1, {sys.argv[1]}: {runs} rounds of {rows[0]['requests']:,} inline RAM-disk reads, load median {st.median(loads):.1f} ({min(loads):.1f}..{max(loads):.1f})")
for side in ("base", "off", "on"):
    rr = [r for r in rows if r["side"] == side]
    # The minimum is the estimate of the undisturbed cost: other processes only ever add to a run.
    print(f" {side:4}: user ns/request min {min(r['user_ns'] for r in rr):.1f}, median {st.median(r['user_ns'] for r in rr):.1f}, max {max(r['user_ns'] for r in rr):.1f}"
          + f", bytes allocated per request {max(x.get('allocated_bytes', 0) / x['requests'] for x in rr):.3f} (the largest)"
          + (f", metric events published {min(r['events'] for r in rr)}..{max(r['events'] for r in rr)}" if side == "on" else ""))
for b, a in (("off", "base"), ("on", "off")):
    xs = [next(r for r in rows if r["run"] == n and r["side"] == b)["user_ns"] - next(r for r in rows if r["run"] == n and r["side"] == a)["user_ns"] for n in range(1, runs + 1)]
    print(f" {b} - {a}: median {st.median(xs):+.1f} ns/request, higher in {sum(x > 0 for x in xs)} of {runs}")
PY
[ "${PART1_ONLY:-0}" = 1 ] && exit 0

export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
export PINIO_TARGET="${TARGET:-/dev/shm/pinio-metrics-bench}" PINIO_SIZE="${PINIO_SIZE:-256m}" PINIO_RUNTIME="${RUNTIME:-3}"
: >"$OUT/$JOB.jsonl"
for ((run = 1; run <= RUNS; run++)); do
    for side in base off on; do
        case $side in
            base) cmd=(taskset -c 1 "$A/pinio") ;;
            off) cmd=(taskset -c 1 "$B/pinio") ;;
            on) cmd=("$COUNTERS" collect --counters PinIo --refresh-interval 1 --format csv -o "$OUT/counters.csv" -- taskset -c 1 "$B/pinio") ;;
        esac
        load=$(cut -d' ' -f1 /proc/loadavg)
        perf record -q -o "$OUT/perf.data" -e cpu-clock:u -F 4999 -- \
            "${cmd[@]}" "bench/jobs/$JOB.fio" --output-format=json --output="$OUT/run.json" >/dev/null 2>&1
        perf report -i "$OUT/perf.data" -n --sort comm,dso,sym -g none 2>/dev/null | grep -v '^#' | grep ' job ' >"$OUT/samples.txt" || true
        python3 - "$side" "$run" "$load" "$OUT" >>"$OUT/$JOB.jsonl" <<'PY'
import json, re, sys
side, run, load, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
job = json.load(open(f"{out}/run.json"))["jobs"][0]
ios = job["read"]["total_ios"] + job["write"]["total_ios"]
total = lib = 0
for line in open(f"{out}/samples.txt"):
    m = re.match(r"\s*[\d.]+%\s+(\d+)\s", line)
    if m:
        n = int(m.group(1))
        total += n
        lib += n if "[PinIo]" in line else 0
us = 1e6 / 4999 / ios
print(json.dumps(dict(side=side, run=run, load=load, iops=job["read"]["iops"] + job["write"]["iops"],
                      usr=total * us, lib=lib * us,
                      rusage_usr=job["usr_cpu"] / 100 * job["job_runtime"] * 1000 / ios)))
PY
    done
done
# The listener really listened: the last `on` run's counters file names the PinIo instruments.
grep -c 'pinio.io.operations' "$OUT/counters.csv" >"$OUT/counters-rows.txt" || true
python3 - "$OUT/$JOB.jsonl" "$(cat "$OUT/counters-rows.txt")" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = max(r["run"] for r in rows)
loads = [r["load"] for r in rows]
print(f"Part 2, {sys.argv[1]}: {runs} rounds, load median {st.median(loads):.1f} ({min(loads):.1f}..{max(loads):.1f}); "
      f"pinio.io.operations rows in the last 'on' run's counters.csv: {sys.argv[2]}")
sides = ("base", "off", "on")
for side in sides:
    rr = [r for r in rows if r["side"] == side]
    med = {k: st.median(r[k] for r in rr) for k in ("usr", "lib", "rusage_usr", "iops")}
    print(f" {side:4}: job thread user us/IO {med['usr']:.3f} (library {med['lib']:.3f}) | process rusage usr us/IO {med['rusage_usr']:.3f} | IOPS {med['iops']:,.0f}")
def ratio(b, a, k):
    xs = [next(r for r in rows if r["run"] == n and r["side"] == b)[k] / next(r for r in rows if r["run"] == n and r["side"] == a)[k] for n in range(1, runs + 1)]
    return st.median(xs), sum(x > 1 for x in xs)
for b, a in (("off", "base"), ("on", "off"), ("on", "base")):
    for k in ("usr", "lib"):
        m, higher = ratio(b, a, k)
        print(f" {b}/{a} {k}: median {m:.3f}, higher in {higher} of {runs}")
PY
