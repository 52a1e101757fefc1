#!/usr/bin/env bash
# Issue 12: the peak one core reaches. fio's t/io_uring, `pinio peak` and fio's best io_uring job
# run alternately (t/io_uring, pinio, fio, t/io_uring, ...) RUNS times on each target, all
# bound to CPU $CPU; prints medians of IOPS, IOPS per core (reads per CPU second), user and
# system CPU per read, and the ratios pinio / t/io_uring and pinio / fio.
#
#   bench/peak.sh                          # zram, loop and file, 5 rounds of 3 s
#   TARGETS="loop file" RUNS=7 RUNTIME=5 bench/peak.sh
#   SWEEP=1 TARGETS=loop bench/peak.sh     # first try fio settings once each and keep the best
#   PINIO_B="--fixedbufs=0" bench/peak.sh  # A/B: a second pinio peak with these options each round
#
# Targets: zram (/dev/zram0, shared: read only, used as it is; skipped when it has no size),
# loop (a RAM-backed loop device of our own over /dev/shm, --direct-io=on, filled with random
# data), file (a 1 GiB file on the root ext4, $FILE). Every tool reads 4 KiB at random at depth
# $DEPTH with batches of $BATCH, fixed buffers and a registered file; t/io_uring also with its
# registered ring (-X1). IOPS per core: t/io_uring's from its process rusage, pinio's from its
# loop thread's (getrusage RUSAGE_THREAD; the process figure, with .NET's start-up, is in the
# raw results), fio's from its job's usr_cpu + sys_cpu. Raw results stay in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}" # at least 2: t/io_uring prints its IOPS once a second, after the first
TARGETS="${TARGETS:-zram loop file}"
CPU="${CPU:-1}"
DEPTH="${DEPTH:-128}"
BATCH="${BATCH:-32}"
FILE="${FILE:-/var/tmp/pinio-peak.dat}"
OUT="${OUT:-bench/out/peak-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
[[ $(id -u) -eq 0 ]] || { echo "bench/peak.sh needs root (losetup, block devices)" >&2; exit 1; }
command -v fio >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq fio >/dev/null; }

TIO=$(bench/peak-build-tiouring.sh)
dotnet build -c Release src/PinIo.Cli -v q -nologo >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio

loop=""
cleanup() { if [[ -n "$loop" ]]; then losetup -d "$loop" || true; rm -f /dev/shm/pinio-peak.img; fi; }
trap cleanup EXIT
fill() { fio --name=fill --filename="$1" --size="$2" --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null; }

# fio's best io_uring job for this read: everything registered, batched as the others, no
# clock reads (gtod_reduce) and no random map, on the same CPU. SWEEP=1 adds the best of a
# few variants (polling, depth and batch), medians of 3 on the first target.
FIO_BEST=(--ioengine=io_uring --registerfiles --fixedbufs --iodepth="$DEPTH" --iodepth_batch_submit="$BATCH"
    --iodepth_batch_complete_min="$BATCH" --iodepth_batch_complete_max="$DEPTH" --gtod_reduce=1 --norandommap --randrepeat=0)
fio_job() { # target extra-options...
    local target=$1; shift
    fio --name=peak --filename="$target" --readonly --direct=1 --rw=randread --bs=4k --time_based --runtime="$RUNTIME" \
        --cpus_allowed="$CPU" --output-format=json "$@"
}

# Sets $path. Not called in $(...): the loop device made here must be seen by cleanup.
target_path() {
    case "$1" in
        zram)
            [[ -b /dev/zram0 && $(cat /sys/block/zram0/disksize) -gt 0 ]] || return 1
            path=/dev/zram0 ;;
        loop)
            if [[ -z "$loop" ]]; then
                truncate -s 512m /dev/shm/pinio-peak.img
                loop=$(losetup -f --show --direct-io=on /dev/shm/pinio-peak.img)
                fill "$loop" 512m
            fi
            path=$loop ;;
        file)
            [[ -f "$FILE" && $(stat -c %s "$FILE") -ge $((1 << 30)) ]] || fill "$FILE" 1g
            path=$FILE ;;
        *) echo "unknown target $1 (zram, loop, file)" >&2; return 1 ;;
    esac
}

if [[ "${SWEEP:-0}" == 1 ]]; then
    target_path "${TARGETS%% *}"
    first=$path
    best=0
    best_variant=""
    for variant in "" "--hipri" "--sqthread_poll=1" "--iodepth=32 --iodepth_batch_submit=8 --iodepth_batch_complete_min=8" \
        "--iodepth_batch_complete_min=1" "--iodepth=256 --iodepth_batch_submit=64 --iodepth_batch_complete_min=64"; do
        runs=()
        for _ in 1 2 3; do
            # shellcheck disable=SC2086
            runs+=("$(fio_job "$first" "${FIO_BEST[@]}" $variant 2>/dev/null \
                | python3 -c 'import json,sys;s=sys.stdin.read();print(int(json.loads(s[s.index("{"):])["jobs"][0]["read"]["iops"]))' 2>/dev/null | head -1 || true)")
        done
        iops=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
        echo "fio sweep on $first: '${variant:-base}' IOPS median of 3=$iops (${runs[*]}), load $(cut -d' ' -f1 /proc/loadavg)" >&2
        if (( iops > best )); then best=$iops; best_variant=$variant; fi
    done
    # shellcheck disable=SC2206
    FIO_BEST+=($best_variant)
    echo "fio best: ${FIO_BEST[*]}" >&2
fi

echo "targets: $TARGETS; $RUNS rounds of ${RUNTIME}s per tool on CPU $CPU; depth $DEPTH, batch $BATCH; results in $OUT" >&2
for target in $TARGETS; do
    target_path "$target" || { echo "skipping $target: not available" >&2; continue; }
    for run in $(seq 1 "$RUNS"); do
        echo "$target round $run ($path)" >&2
        python3 bench/peak.py tio "$OUT/$target.tio.jsonl" -- taskset -c "$CPU" "$TIO" -d"$DEPTH" -s"$BATCH" -c"$BATCH" -b4096 \
            -p0 -B1 -F1 -X1 -P0 -n1 -r"$RUNTIME" "$path"
        python3 bench/peak.py pinio "$OUT/$target.pinio.jsonl" -- "$PINIO" peak --iodepth="$DEPTH" --iodepth_batch_submit="$BATCH" \
            --iodepth_batch_complete="$BATCH" --cpus_allowed="$CPU" --runtime="$RUNTIME" --output-format=json "$path"
        if [[ -n "${PINIO_B:-}" ]]; then
            # shellcheck disable=SC2086
            python3 bench/peak.py pinio "$OUT/$target.pinioB.jsonl" -- "$PINIO" peak --iodepth="$DEPTH" --iodepth_batch_submit="$BATCH" \
                --iodepth_batch_complete="$BATCH" --cpus_allowed="$CPU" --runtime="$RUNTIME" --output-format=json $PINIO_B "$path"
        fi
        python3 bench/peak.py fio "$OUT/$target.fio.jsonl" -- fio --name=peak --filename="$path" --readonly --direct=1 --rw=randread \
            --bs=4k --time_based --runtime="$RUNTIME" --cpus_allowed="$CPU" --output-format=json "${FIO_BEST[@]}"
    done
done
python3 bench/peak.py summary "$OUT" | tee "$OUT/summary.txt"
