#!/usr/bin/env bash
# Issue 12, the runner's own cost: user CPU per I/O of the job thread, fio against pinio (and
# against a second pinio build, for an A/B), every tool pinned to one CPU (taskset -c $CPU) and
# run alternately (fio, pinio, pinio B, fio, ...) RUNS times; prints medians per job and tool.
#
#   ENGINE=null bench/runner-cpu.sh                          # ioengine=null: no kernel I/O at all
#   TARGET=/dev/zram0 SIZE=2g bench/runner-cpu.sh            # io_uring on zram0 (read jobs only: it is shared)
#   TARGET=loop bench/runner-cpu.sh bench/jobs/randwrite-4k-qd32.fio   # a loop device of its own over /dev/shm
#   PINIO_B=/tmp/base/pinio ENGINE=null bench/runner-cpu.sh  # A/B: this tree's pinio against another build
#
# ENGINE=null rewrites each job's ioengine to null and drops verify= (fio's null engine stores
# nothing to check; pinio refuses verify with it): what is left is each tool's own loop — for
# pinio the runner plus PinIo's Direct I/O path (pins, bios) to a device that ends each bio at
# once; for fio its loop alone. Jobs default to the four issue 12 holds the runner to.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}"
CPU="${CPU:-1}"
ENGINE="${ENGINE:-io_uring}"
TARGET="${TARGET:-/dev/zram0}"
SIZE="${SIZE:-2g}"
OUT="${OUT:-bench/out/runner-cpu-$ENGINE-$(date +%Y%m%d-%H%M%S)}"
JOBS=("$@")
if [[ ${#JOBS[@]} -eq 0 ]]; then
    JOBS=(bench/jobs/randread-4k-qd32.fio bench/jobs/randread-4k-qd32-fixedbufs.fio bench/jobs/randrw-70-30-verify.fio bench/jobs/randwrite-4k-qd32.fio)
fi
mkdir -p "$OUT"
[[ -n "${PINIO:-}" ]] || { dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null; PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio; }

loop=""
cleanup() { if [[ -n "$loop" ]]; then losetup -d "$loop" || true; rm -f /dev/shm/pinio-runner-cpu.img; fi; }
trap cleanup EXIT
if [[ $ENGINE == null ]]; then
    TARGET=/dev/null-target
elif [[ $TARGET == loop ]]; then
    truncate -s "$SIZE" /dev/shm/pinio-runner-cpu.img
    loop=$(losetup -f --show --direct-io=on /dev/shm/pinio-runner-cpu.img)
    fio --name=fill --filename="$loop" --size="$SIZE" --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null
    TARGET="$loop"
fi
export PINIO_TARGET="$TARGET" PINIO_SIZE="$SIZE" PINIO_RUNTIME="$RUNTIME"

files=()
for job in "${JOBS[@]}"; do
    f="$OUT/$(basename "$job")"
    if [[ $ENGINE == null ]]; then sed 's/^ioengine=.*/ioengine=null/; /^verify=/d' "$job" > "$f"; else cp "$job" "$f"; fi
    # fio's null engine takes no io_uring option: fio runs the job without fixedbufs= (pinio keeps it: its buffers come from the pool).
    if [[ $ENGINE == null ]]; then sed '/^fixedbufs=/d' "$f" > "${f%.fio}.fio-job"; else cp "$f" "${f%.fio}.fio-job"; fi
    files+=("$f")
done
tools=(fio "$PINIO")
names=(fio pinio)
if [[ -n "${PINIO_B:-}" ]]; then tools+=("$PINIO_B"); names+=(pinio-B); fi
echo "target $TARGET ($ENGINE), $RUNS rounds of ${RUNTIME}s, taskset -c $CPU, results in $OUT" >&2
for run in $(seq 1 "$RUNS"); do
    for f in "${files[@]}"; do
        name=$(basename "$f" .fio)
        for i in "${!tools[@]}"; do
            cut -d' ' -f1 /proc/loadavg > "$OUT/$name.${names[$i]}.$run.load"
            jobfile="$f"
            [[ ${names[$i]} == fio ]] && jobfile="${f%.fio}.fio-job"
            taskset -c "$CPU" "${tools[$i]}" --output-format=json --output="$OUT/$name.${names[$i]}.$run.json" "$jobfile" >/dev/null 2>"$OUT/$name.${names[$i]}.$run.err" \
                || echo "  ${names[$i]} failed on $name (see $OUT/$name.${names[$i]}.$run.err)" >&2
        done
    done
done
python3 bench/runner-cpu.py "$OUT"
