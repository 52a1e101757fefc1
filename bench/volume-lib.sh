#!/usr/bin/env bash
# Issue 9's Volume overhead from a .NET program's own async loops (no pinio runner): PinIo.Bench
# --engine=volume-raw (DirectIo on the device) and --engine=volume (a VolumeFile of a Volume
# formatted on the same device), alternately RUNS times; prints median IOPS and volume/raw.
# Both open the device the same way (io_uring, completions inline on the ring's thread), so the
# ratio is the Volume's cost alone. The region is written in full first: writes overwrite
# mapped blocks.
#
#   bench/volume-lib.sh                         # RUNS=5, RAM disk and (root) a loop device over /dev/shm
#   RUNS=7 TARGETS=loop CASES="randwrite-4k-qd32" bench/volume-lib.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-2}"
SIZE="${SIZE:-256m}"
if [[ $(id -u) -eq 0 ]] && command -v losetup >/dev/null 2>&1; then TARGETS="${TARGETS:-ram loop}"; else TARGETS="${TARGETS:-ram}"; fi
CASES="${CASES:-randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd1 randwrite-4k-qd32 read-128k-qd8}"
OUT="${OUT:-bench/out/volume-lib-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

dotnet build -c Release bench/PinIo.Bench -v q -nologo >/dev/null
BENCH=bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench

loop=""
cleanup() { if [[ -n "$loop" ]]; then losetup -d "$loop" || true; rm -f /dev/shm/pinio-volume-lib.img; fi; }
trap cleanup EXIT

for target in $TARGETS; do
    case $target in
        ram) file="ram:512m" ;;
        loop)
            truncate -s 1g /dev/shm/pinio-volume-lib.img
            loop=$(losetup -f --show /dev/shm/pinio-volume-lib.img)
            file=$loop ;;
        *) echo "unknown target $target" >&2; exit 2 ;;
    esac
    for run in $(seq 1 "$RUNS"); do
        for case in $CASES; do
            IFS=- read -r rw bs depth <<<"$case"
            for engine in volume-raw volume; do
                echo "[$target run $run] $case $engine" >&2
                "$BENCH" --engine=$engine --rw="$rw" --bs="$bs" --iodepth="${depth#qd}" --runtime="$RUNTIME" --ramp=1 \
                    --file="$file" --size="$SIZE" > "$OUT/$target.$case.$engine.$run.json"
            done
        done
    done
done

python3 - "$OUT" $TARGETS <<'PY'
import json, statistics, sys, glob, os, collections
out, targets = sys.argv[1], sys.argv[2:]
print(f"{'target':6} {'case':22} {'raw IOPS':>10} {'volume IOPS':>12} {'volume/raw':>10}  (median of runs; per-run ratios)")
for target in targets:
    runs = collections.defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(out, f"{target}.*.json"))):
        _, case, engine, run, _ = os.path.basename(path).split(".")
        runs[case].setdefault(int(run), {})[engine] = json.load(open(path))["iops"]
    for case, by_run in runs.items():
        pairs = [(r["volume-raw"], r["volume"]) for r in by_run.values() if len(r) == 2]
        raw = statistics.median(p[0] for p in pairs)
        vol = statistics.median(p[1] for p in pairs)
        ratios = " ".join(f"{v / r:.2f}" for r, v in pairs)
        print(f"{target:6} {case:22} {raw:10.0f} {vol:12.0f} {statistics.median(v / r for r, v in pairs):10.3f}  ({ratios})")
PY
