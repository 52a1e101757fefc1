#!/usr/bin/env bash
# Issue 12, depth 1: pinio's colocate_depth1 (the job thread stays on the CPU it starts on, and
# so does the io-wq worker it inherits) against colocate_depth1=0 (the scheduler's placement, as
# fio's) and against fio, alternately, on each target: IOPS, p50/p99 and user CPU per I/O.
#
#   RUNS=5 RUNTIME=3 TARGETS="zram loop file" bench/depth1-colocate.sh
#
# zram: /dev/zram0 as bench/compare.sh leaves it (2 GiB of random data; read-only here);
# loop: a RAM-backed loop device over /dev/shm (made and removed here); file: a 1 GiB file on
# the root file system (FILE, made by fio if missing). BUSY=1 runs a CPU hog beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}"
TARGETS="${TARGETS:-zram loop file}"
FILE="${FILE:-/var/tmp/pinio-compare.dat}"
OUT="${OUT:-bench/out/depth1-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio
loop=""
hog=""
cleanup() {
    [[ -n "$hog" ]] && kill "$hog" 2>/dev/null || true
    [[ -n "$loop" ]] && { losetup -d "$loop" || true; rm -f /dev/shm/pinio-depth1.img; }
}
trap cleanup EXIT
[[ "${BUSY:-0}" == 1 ]] && { bash -c 'while :; do :; done' & hog=$!; }
job() { # target size
    echo "[depth1] filename=$1 size=$2 direct=1 ioengine=io_uring rw=randread bs=4k iodepth=1 time_based=1 runtime=$RUNTIME randrepeat=0" | tr ' ' '\n'
}
for target in $TARGETS; do
    case "$target" in
        zram) dev=/dev/zram0; size=2g ;;
        loop) truncate -s 512m /dev/shm/pinio-depth1.img
              loop=$(losetup -f --show --direct-io=on /dev/shm/pinio-depth1.img)
              fio --name=fill --filename="$loop" --rw=write --bs=1m --direct=1 --output=/dev/null
              dev="$loop"; size=512m ;;
        file) [[ -f "$FILE" ]] || fio --name=fill --filename="$FILE" --size=1g --rw=write --bs=1m --direct=1 --output=/dev/null
              dev="$FILE"; size=1g ;;
    esac
    job "$dev" "$size" > "$OUT/$target.fio"
    for run in $(seq 1 "$RUNS"); do
        fio --output-format=json --output="$OUT/$target.fio.$run.json" "$OUT/$target.fio" >/dev/null
        "$PINIO" --output-format=json --output="$OUT/$target.colocated.$run.json" "$OUT/$target.fio" >/dev/null
        "$PINIO" --output-format=json --output="$OUT/$target.free.$run.json" "$OUT/$target.fio" --colocate_depth1=0 >/dev/null
    done
    if [[ "$target" == loop ]]; then losetup -d "$loop"; rm -f /dev/shm/pinio-depth1.img; loop=""; fi
done
python3 - "$OUT" <<'PY'
import glob, json, os, re, statistics, sys
out = sys.argv[1]
rows = {}
for path in glob.glob(os.path.join(out, "*.json")):
    target, tool, run = re.match(r"(\w+)\.(fio|colocated|free)\.(\d+)\.json$", os.path.basename(path)).groups()
    text = open(path).read()
    job = json.loads(text[text.index("{"):])["jobs"][0]
    r = job["read"]
    pct = r["clat_ns"]["percentile"]
    usr = job["usr_cpu"] / 100 * job["job_runtime"] * 1000 / r["total_ios"] if r["total_ios"] else 0
    rows.setdefault((target, tool), []).append((r["iops"], pct["50.000000"] / 1000, pct["99.000000"] / 1000, usr))
print("| target | run as | IOPS | p50 us | p99 us | usr us/IO | IOPS vs fio |")
print("|---|---|---:|---:|---:|---:|---:|")
for target in dict.fromkeys(t for t, _ in rows):
    fio_iops = statistics.median(v[0] for v in rows[(target, "fio")])
    for tool in ("fio", "colocated", "free"):
        v = rows.get((target, tool))
        if not v:
            continue
        m = [statistics.median(x[i] for x in v) for i in range(4)]
        name = {"fio": "fio", "colocated": "pinio (colocate_depth1=1, default)", "free": "pinio colocate_depth1=0"}[tool]
        print(f"| {target} | {name} ({len(v)}) | {m[0]:,.0f} | {m[1]:.1f} | {m[2]:.1f} | {m[3]:.2f} | {m[0] / fio_iops:.2f}x |")
PY
