#!/usr/bin/env bash
# The cost of pinning caller memory per request, without a device: PinIo.Bench gup-pin pins and
# unpins 4 KiB buffers of one array in a loop on 1 and 2 threads (the page table's lockless pin
# and its lock granularity, bench/README.md "lead (session 16)"): pre-pinned memory, and the
# array as plain memory that each pin GC-pins. With BENCH_B (another build's PinIo.Bench.dll)
# the two builds take turns, RUNS processes each, and B/A is printed.
#
#   bench/gup-pin.sh                                            # RUNS=5 THREADS="1 2" MEMORY="prepinned array"
#   BENCH_B=/tmp/base/bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench.dll bench/gup-pin.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
THREADS=${THREADS:-1 2}
MEMORY=${MEMORY:-prepinned array}
BENCH_B=${BENCH_B:-}
A=bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench.dll
OUT=${OUT:-bench/out/gup-pin-$(date -u +%Y%m%d-%H%M%S).txt}
mkdir -p "$(dirname "$OUT")"

dotnet build bench/PinIo.Bench -c Release -v q -nologo >/dev/null
{
    echo "# bench/gup-pin.sh $(date -u +%FT%TZ) $(uname -r) nproc $(nproc) load $(cut -d' ' -f1-3 /proc/loadavg) A=$(git rev-parse --short HEAD) B=${BENCH_B:--}"
    for run in $(seq 1 "$RUNS"); do
        for memory in $MEMORY; do for threads in $THREADS; do
            sides=(A); [[ -n "$BENCH_B" ]] && { ((run % 2)) && sides=(A B) || sides=(B A); }
            for side in "${sides[@]}"; do
                dll=$A; [[ $side == B ]] && dll=$BENCH_B
                echo "$side $(dotnet "$dll" gup-pin --threads="$threads" --memory="$memory")"
            done
        done; done
    done
} | tee "$OUT"
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if line[:2] in ("A ", "B "):
        r = json.loads(line[2:])
        rows.setdefault((r.get("memory", "prepinned"), r["threads"], line[0]), []).append(r["ns_per_pin_unpin"])
print(f"{'memory':>9} {'threads':>7} {'A ns/pin+unpin':>15} {'B ns/pin+unpin':>15} {'B/A':>6}  (medians of {max(len(v) for v in rows.values())} processes)")
for memory, threads in sorted({(m, t) for m, t, _ in rows}):
    a = statistics.median(rows[(memory, threads, "A")])
    b = statistics.median(rows[(memory, threads, "B")]) if (memory, threads, "B") in rows else None
    print(f"{memory:>9} {threads:>7} {a:>15.1f} {'-' if b is None else f'{b:15.1f}':>15} {'-' if b is None else f'{b / a:.2f}x':>6}")
PY
