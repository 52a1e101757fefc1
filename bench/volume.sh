#!/usr/bin/env bash
# Issue 9's Volume overhead: the same fio job on a file inside a PinIo Volume and on the raw
# device underneath, alternately (raw, volume, raw, ...) RUNS times, so drift on a shared
# machine hits both alike; prints the median IOPS of each and the ratio volume/raw.
#
#   bench/volume.sh                                  # RUNS=3 RUNTIME=2, about 6 minutes as root
#   RUNS=5 RUNTIME=3 DEVICES=ram PATHS="iomap legacy" bench/volume.sh
#
# Devices: `ram` = PinIo's RAM disk (raw `ram:DEV`, volume `volram:DEV:bench`); `loop` (root
# only) = a loop device over /dev/shm (raw `/dev/loopN`, volume `vol:/dev/loopN:bench`).
# Cases (4 KiB random at depth 1 and 32, 128 KiB sequential at depth 8):
#   randread-*, randwrite-*, seqread/seqwrite-128k: the file is written in full first (a
#     `fill` job, stonewall, unmeasured), so the measured writes OVERWRITE MAPPED BLOCKS —
#     the case with the target volume/raw >= 0.95;
#   alloc-randwrite-*: fallocate=none, every block of a fresh file written once: each write
#     ALLOCATES its block (extent map + journal), reported apart;
#   unwritten-randwrite-*: fallocate=native (fio's default): each write converts an
#     unwritten extent after its data I/O (DioEndIoAsync), reported apart.
# The raw device runs the same jobs (fallocate does not apply to it).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
RUNTIME="${RUNTIME:-2}"
DEV="${DEV:-512m}"            # device size
FILESIZE="${FILESIZE:-256m}"  # the job's region: the file inside the Volume, the same bytes of the raw device
PATHS="${PATHS:-iomap}"
if [[ $(id -u) -eq 0 ]] && command -v losetup >/dev/null 2>&1; then DEVICES="${DEVICES:-ram loop}"; else DEVICES="${DEVICES:-ram}"; fi
CASES="${CASES:-randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd1 randwrite-4k-qd32 seqread-128k seqwrite-128k alloc-randwrite-4k-qd1 alloc-randwrite-4k-qd32 unwritten-randwrite-4k-qd32}"
OUT="${OUT:-bench/out/volume-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio

loop=""
cleanup() { if [[ -n "$loop" ]]; then losetup -d "$loop" || true; rm -f /dev/shm/pinio-volume.img; fi; }
trap cleanup EXIT

# job FILE CASE FILENAME: writes the job file of CASE on FILENAME.
job() {
    local file=$1 case=$2 filename=$3
    local rw bs depth engine fill=1 alloc=native bound=0
    case $case in
        randread-4k-qd1) rw=randread bs=4k depth=1 ;;
        randread-4k-qd32) rw=randread bs=4k depth=32 ;;
        randwrite-4k-qd1) rw=randwrite bs=4k depth=1 ;;
        randwrite-4k-qd32) rw=randwrite bs=4k depth=32 ;;
        seqread-128k) rw=read bs=128k depth=8 ;;
        seqwrite-128k) rw=write bs=128k depth=8 ;;
        alloc-randwrite-4k-qd1) rw=randwrite bs=4k depth=1 fill=0 alloc=none bound=1 ;;
        alloc-randwrite-4k-qd32) rw=randwrite bs=4k depth=32 fill=0 alloc=none bound=1 ;;
        unwritten-randwrite-4k-qd32) rw=randwrite bs=4k depth=32 fill=0 alloc=native bound=1 ;;
        *) echo "unknown case $case" >&2; exit 2 ;;
    esac
    engine=io_uring; [[ $depth -eq 1 ]] && engine=psync
    {
        echo "[global]"
        echo "filename=$filename"
        echo "size=$FILESIZE"
        echo "direct=1"
        echo "fallocate=$alloc"
        echo "volume_dio=$VOLPATH"
        if [[ $fill -eq 1 ]]; then
            # The measure's engine: a ram: disk's completion mode follows the engine (inline for
            # psync, a worker for io_uring) and is part of the device's identity, so a fill on
            # another engine would lay out another Volume and leave the measured file unwritten.
            printf '[fill]\nrw=write\nbs=1m\nioengine=%s\niodepth=%s\n' "$engine" "$((depth == 1 ? 1 : 4))"
        fi
        echo "[measure]"
        [[ $fill -eq 1 ]] && echo "stonewall"
        echo "rw=$rw"
        echo "bs=$bs"
        echo "iodepth=$depth"
        echo "ioengine=$engine"
        echo "norandommap=$((1 - bound))"
        echo "randrepeat=0"
        if [[ $bound -eq 0 ]]; then echo "time_based"; echo "runtime=$RUNTIME"; fi
    } > "$file"
}

for device in $DEVICES; do
    if [[ $device == loop && -z "$loop" ]]; then
        truncate -s "$DEV" /dev/shm/pinio-volume.img
        loop=$(losetup -f --show --direct-io=on /dev/shm/pinio-volume.img)
    fi
    for VOLPATH in $PATHS; do
        for run in $(seq 1 "$RUNS"); do
            for case in $CASES; do
                for side in raw volume; do
                    case $device/$side in
                        ram/raw) filename="ram:$DEV" ;;
                        ram/volume) filename="volram:$DEV:bench" ;;
                        loop/raw) filename="$loop" ;;
                        loop/volume)
                            # A fresh Volume each time: the image is zeroed, so pinio formats it.
                            dd if=/dev/zero of="$loop" bs=1M count=1 oflag=direct status=none
                            filename="vol:$loop:bench" ;;
                    esac
                    name="$device.$VOLPATH.$case.$side.$run"
                    job "$OUT/$name.fio" "$case" "$filename"
                    echo "[$device $VOLPATH run $run] $case $side" >&2
                    "$PINIO" --output-format=json --output="$OUT/$name.json" "$OUT/$name.fio" >/dev/null 2>"$OUT/$name.err" \
                        || echo "  failed: see $OUT/$name.err" >&2
                done
            done
        done
    done
done

python3 - "$OUT" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
iops = {}
for f in sorted(os.listdir(out)):
    if not f.endswith(".json"):
        continue
    device, path, case, side, run = f[:-5].split(".")
    try:
        report = json.load(open(os.path.join(out, f)))
    except ValueError:
        continue
    for job in report["jobs"]:
        if job["jobname"] == "measure":
            value = job["read"]["iops"] + job["write"]["iops"]
            iops.setdefault((device, path, case), {}).setdefault(side, []).append(value)
lines = [f"{'device':6} {'path':6} {'case':28} {'raw IOPS':>10} {'volume IOPS':>12} {'volume/raw':>10}  (median of runs; per-run ratios)"]
for (device, path, case), sides in sorted(iops.items()):
    raw, vol = sides.get("raw", []), sides.get("volume", [])
    if not raw or not vol:
        lines.append(f"{device:6} {path:6} {case:28} missing runs (see the .err files)")
        continue
    ratios = " ".join(f"{v / r:.2f}" for r, v in zip(raw, vol) if r > 0)
    r, v = statistics.median(raw), statistics.median(vol)
    lines.append(f"{device:6} {path:6} {case:28} {r:10.0f} {v:12.0f} {v / r:10.3f}  ({ratios})")
text = "\n".join(lines)
print(text)
open(os.path.join(out, "summary.txt"), "w").write(text + "\n")
PY
