#!/usr/bin/env bash
# Issues 4 and 12: fio and pinio run the SAME job files, alternately (fio, pinio, fio, ...)
# and RUNS times, so drift on a shared machine hits both alike; prints medians and the
# pinio/fio ratios of IOPS, bandwidth, p50/p99/p99.9 completion latency and CPU per I/O.
#
#   bench/compare.sh                         # every job in bench/jobs/, on the loop device
#   TARGET=zram RUNS=5 bench/compare.sh      # on /dev/zram0 (2 GiB, filled with random data)
#   TARGET=file BUSY=1 bench/compare.sh      # a 1 GiB file on the root ext4, beside a CPU hog
#   RUNS=3 RUNTIME=3 bench/compare.sh bench/jobs/randread-4k-qd32.fio ...
#   FIO_BEST=1 TARGET=zram bench/compare.sh bench/jobs/randread-4k-qd32.fio   # both tools with every ring option
#
# FIO_BEST=1 appends fio's io_uring options to every job, for both tools alike: registerfiles=1,
# fixedbufs=1, sqthread_poll=1 (FIO_BEST_OPTS to change the list; add hipri=1 only on a device
# with poll queues: zram and loop devices have none, and polled I/O there fails with EOPNOTSUPP).
#
# TARGET: loop (a RAM-backed loop device over /dev/shm, losetup --direct-io=on; the default as
# root), zram (/dev/zram0: a RAM block driver; io_uring punts its reads to an io-wq worker, bench/README.md session 8), file
# (FILE on the root file system; the default when not root). BUSY=1 runs one CPU-bound process
# (stress-ng --cpu 1, or a shell busy loop) for the whole comparison: issue 12's busy machine.
# The job files read ${PINIO_TARGET}, ${PINIO_SIZE} and ${PINIO_RUNTIME} from the environment
# (fio and pinio both expand $VAR in job files). Raw JSON reports stay in $OUT.
# SAMPLE=1 also records each run with perf (cpu-clock:u, 4999 Hz) and takes the job threads' user
# CPU per I/O from the samples (as bench/ab.sh does) instead of rusage's tick-split figure, which
# this kernel biases for jobs that sleep once per I/O (bench/README.md, lead session 5). perf
# samples every CPU (-a) and the job threads' samples are picked by name: a per-task sampler is
# switched in and out with the thread at every context switch, which at depth 1 (two switches
# per I/O) halved both tools' IOPS on the loop device (bench/README.md, lead session 16).
# AOT=1 runs pinio as the Native AOT binary scripts/publish-aot.sh makes (made first when
# missing): no JIT compiles the job's code on its own thread during the measured run, which on
# a 3-second job is a large share of the JIT build's user CPU per I/O (bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}"
if [[ $(id -u) -eq 0 ]]; then TARGET="${TARGET:-loop}"; else TARGET="${TARGET:-file}"; fi
BUSY="${BUSY:-0}"
case "$TARGET" in
    zram) SIZE="${SIZE:-2g}" ;;
    file) SIZE="${SIZE:-1g}" ;;
    # 2 GiB (in RAM): on 512 MiB fio's randrw-verify wrapped its random map within 3 s and
    # stopped on its own verify of a block it had written twice (bench/README.md, session 16).
    *) SIZE="${SIZE:-2g}" ;;
esac
FILE="${FILE:-/var/tmp/pinio-compare.dat}"
OUT="${OUT:-bench/out/compare-$TARGET$([[ $BUSY == 1 ]] && echo -busy)-$(date +%Y%m%d-%H%M%S)}"
JOBS=("$@")
if [[ ${#JOBS[@]} -eq 0 ]]; then JOBS=(bench/jobs/*.fio); fi
mkdir -p "$OUT"

if ! command -v fio >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq fio >/dev/null
fi
if [[ "${AOT:-0}" == 1 ]]; then
    scripts/publish-aot.sh >/dev/null
    PINIO=artifacts/aot/pinio
else
    dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
    PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio
fi

loop=""
hog=""
cleanup() {
    if [[ -n "$hog" ]]; then kill "$hog" 2>/dev/null || true; fi
    if [[ -n "$loop" ]]; then losetup -d "$loop" || true; rm -f /dev/shm/pinio-compare.img; fi
}
trap cleanup EXIT
fill() { fio --name=fill --filename="$1" --size="$SIZE" --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null; }
case "$TARGET" in
    loop)
        [[ $(id -u) -eq 0 ]] || { echo "TARGET=loop needs root (losetup)" >&2; exit 1; }
        truncate -s "$SIZE" /dev/shm/pinio-compare.img
        loop=$(losetup -f --show --direct-io=on /dev/shm/pinio-compare.img)
        target="$loop" ;;
    zram)
        [[ -b /dev/zram0 ]] || modprobe zram num_devices=1 || { echo "no /dev/zram0 and no zram module" >&2; exit 1; }
        want=$(numfmt --from=iec "${SIZE^^}")
        if [[ $(cat /sys/block/zram0/disksize) != "$want" ]]; then
            echo 1 > /sys/block/zram0/reset
            echo "$want" > /sys/block/zram0/disksize
        fi
        # Random data: zram stores zero-filled and compressible pages for nearly nothing.
        [[ "${NOFILL:-0}" == 1 ]] || fill /dev/zram0  # NOFILL=1: zram0 is shared and already filled
        target=/dev/zram0 ;;
    file)
        [[ -f "$FILE" && $(stat -c %s "$FILE") -ge $(numfmt --from=iec "${SIZE^^}") ]] || fill "$FILE"
        target="$FILE" ;;
    *) echo "TARGET must be loop, zram or file" >&2; exit 1 ;;
esac
if [[ $BUSY == 1 ]]; then
    if command -v stress-ng >/dev/null 2>&1; then stress-ng --cpu 1 --quiet & hog=$!
    else bash -c 'while :; do :; done' & hog=$!; fi
fi
export PINIO_TARGET="$target" PINIO_SIZE="$SIZE" PINIO_RUNTIME="$RUNTIME"
echo "target $target ($TARGET, busy=$BUSY), $RUNS runs of ${RUNTIME}s per tool and job, results in $OUT" >&2

if [[ "${FIO_BEST:-0}" == 1 ]]; then
    best=()
    for job in "${JOBS[@]}"; do
        { cat "$job"; echo; tr ' ' '\n' <<<"${FIO_BEST_OPTS:-registerfiles=1 fixedbufs=1 sqthread_poll=1}"; } > "$OUT/$(basename "$job")"
        best+=("$OUT/$(basename "$job")")
    done
    JOBS=("${best[@]}")
fi
for run in $(seq 1 "$RUNS"); do
    for job in "${JOBS[@]}"; do
        name=$(basename "$job" .fio)
        for tool in fio pinio; do
            echo "[run $run] $name $tool" >&2
            cmd=fio
            [[ $tool == pinio ]] && cmd="$PINIO"
            load=$(cut -d' ' -f1 /proc/loadavg)
            base="$OUT/$name.$tool.$run"
            sample=()
            [[ "${SAMPLE:-0}" == 1 ]] && sample=(perf record -q -a -e cpu-clock:u -F 4999 -o "$base.perf" --)
            "${sample[@]}" "$cmd" --output-format=json --output="$base.json" "$job" >/dev/null 2>"$base.err" \
                || echo "  $tool failed on $name (see $base.err)" >&2
            if [[ -f "$base.perf" ]]; then
                perf report -i "$base.perf" --no-children -n --sort pid,sym --stdio -g none 2>/dev/null | grep -v '^#' > "$base.samples" || true
                rm -f "$base.perf"
            fi
            echo "$load" > "$OUT/$name.$tool.$run.load"
        done
    done
done
python3 bench/compare.py "$OUT"
