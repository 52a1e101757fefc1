#!/usr/bin/env bash
# Issue 12, task "ring": A/B of pinio's ring switches on one job, run alternately (A, B, A,
# B, ...) RUNS times so that drift on a shared machine hits both alike; prints the medians of
# IOPS, user and total CPU per I/O of the job thread, and the load average beside each side.
#
#   TARGET=zram JOB=bench/jobs/randread-4k-qd32.fio bench/ab-ring.sh 'ring_fd_register=1' 'ring_fd_register=0'
#   TARGET=file RUNS=7 bench/ab-ring.sh 'taskrun=defer' 'taskrun=coop' 'taskrun=interrupt'
#
# Each argument is one side: job-file lines separated by ';', appended to the job's own
# section (so they override it). Two or more sides. TARGET: zram (/dev/zram0, read jobs only:
# it is shared; filled by bench/compare.sh), file (FILE, created and filled if missing), or a
# path. PIN=1 runs pinio under taskset -c 1. Raw JSON reports stay in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}"
TARGET="${TARGET:-zram}"
JOB="${JOB:-bench/jobs/randread-4k-qd32.fio}"
FILE="${FILE:-/var/tmp/pinio-compare.dat}"
OUT="${OUT:-bench/out/ab-ring-$(date +%Y%m%d-%H%M%S)}"
[[ $# -ge 2 ]] || { echo "usage: bench/ab-ring.sh 'side A lines' 'side B lines' [...]" >&2; exit 1; }
mkdir -p "$OUT"
case "$TARGET" in
    zram) target=/dev/zram0; SIZE="${SIZE:-2g}" ;;
    file) SIZE="${SIZE:-1g}"; target="$FILE"
        [[ -f "$FILE" && $(stat -c %s "$FILE") -ge $(numfmt --from=iec "${SIZE^^}") ]] \
            || fio --name=fill --filename="$FILE" --size="$SIZE" --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null ;;
    *) target="$TARGET"; SIZE="${SIZE:-512m}" ;;
esac
dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio
TASKSET=()
[[ "${PIN:-0}" == 1 ]] && TASKSET=(taskset -c 1)
export PINIO_TARGET="$target" PINIO_SIZE="$SIZE" PINIO_RUNTIME="$RUNTIME"

sides=("$@")
for i in "${!sides[@]}"; do
    { cat "$JOB"; echo; tr ';' '\n' <<<"${sides[$i]}"; } > "$OUT/side$i.fio"
    echo "${sides[$i]}" > "$OUT/side$i.label"
done
echo "$(basename "$JOB" .fio) on $target, $RUNS rounds of ${RUNTIME}s, results in $OUT" >&2
for run in $(seq 1 "$RUNS"); do
    for i in "${!sides[@]}"; do
        cut -d' ' -f1 /proc/loadavg > "$OUT/side$i.$run.load"
        "${TASKSET[@]}" "$PINIO" --output-format=json --output="$OUT/side$i.$run.json" "$OUT/side$i.fio" >/dev/null 2>"$OUT/side$i.$run.err" \
            || echo "  side $i failed (see $OUT/side$i.$run.err)" >&2
    done
done
python3 bench/ab-ring.py "$OUT"
