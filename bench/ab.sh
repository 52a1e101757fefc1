#!/usr/bin/env bash
# A/B of whole programs and of pinio's options on the same jobs, run alternately (A, B, A, B,
# ...) RUNS times so that drift on a shared machine hits every side alike. For each job and side
# bench/ab.py prints medians of IOPS, the job thread's user CPU per I/O counted two ways —
# rusage (what fio and pinio report: tick-sampled on this kernel, see bench/README.md) and perf
# cpu-clock:u samples (4999 Hz), split for pinio into the library's JIT code, the runner's and the
# rest — total CPU per I/O, io_uring_enter calls and context switches per I/O, the load, and
# ratios against side 0 (the per-round ratio's median too).
#
#   bench/ab.sh fio pinio                                              # fio against this tree's build
#   bench/ab.sh /tmp/pinio-before/pinio pinio                          # two builds (copy one aside first)
#   bench/ab.sh 'pinio|ring_fd_register=1' 'pinio|ring_fd_register=0'  # one build, two option sets
#   TARGET=null bench/ab.sh fio pinio                                  # ioengine=null: each tool's own loop
#   TARGET=loop TS="taskset -c 1" JOBS="bench/jobs/randwrite-4k-qd32.fio" RUNS=7 bench/ab.sh fio pinio
#
# A side is PROGRAM[|job lines separated by ';'], the lines appended to each job's section so they
# override it. PROGRAM: fio, pinio (this tree's Release build, built first), or the path of a
# program that takes fio's command line. TARGET: zram (/dev/zram0, read jobs only: it is shared;
# bench/compare.sh fills it), file (FILE, made and filled when missing), loop (a loop device of
# its own over /dev/shm, removed at the end), null (ioengine=null, verify and fixedbufs dropped
# for fio, whose null engine takes neither), or a path. TS: a command prefix for every side.
# JOBS: job files (default randread-4k-qd32). Raw reports stay in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}"
TARGET="${TARGET:-zram}"
FILE="${FILE:-/var/tmp/pinio-compare.dat}"
read -r -a JOBS <<<"${JOBS:-bench/jobs/randread-4k-qd32.fio}"
OUT="${OUT:-bench/out/ab-$(date +%Y%m%d-%H%M%S)}"
[[ $# -ge 2 ]] || { echo "usage: bench/ab.sh SIDE_A SIDE_B [...]   (a side: PROGRAM[|job lines;...])" >&2; exit 1; }
mkdir -p "$OUT"
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0

loop=""
cleanup() { if [[ -n "$loop" ]]; then losetup -d "$loop" || true; rm -f /dev/shm/pinio-ab.img; fi; }
trap cleanup EXIT
fill() { fio --name=fill --filename="$1" --size="$SIZE" --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null; }
case "$TARGET" in
    zram) target=/dev/zram0; SIZE="${SIZE:-2g}" ;;
    file) SIZE="${SIZE:-1g}"; target="$FILE"
        [[ -f "$FILE" && $(stat -c %s "$FILE") -ge $(numfmt --from=iec "${SIZE^^}") ]] || fill "$FILE" ;;
    loop) SIZE="${SIZE:-1g}"; truncate -s "$SIZE" /dev/shm/pinio-ab.img
        loop=$(losetup -f --show --direct-io=on /dev/shm/pinio-ab.img); target="$loop"; fill "$loop" ;;
    null) SIZE="${SIZE:-1g}"; target=/dev/null-target ;;
    *) target="$TARGET"; SIZE="${SIZE:-512m}" ;;
esac
export PINIO_TARGET="$target" PINIO_SIZE="$SIZE" PINIO_RUNTIME="$RUNTIME"

sides=("$@")
programs=()
for i in "${!sides[@]}"; do
    program="${sides[$i]%%|*}"
    if [[ $program == pinio ]]; then
        [[ -x src/PinIo.Cli/bin/Release/net10.0/pinio && -n "${NOBUILD:-}" ]] || dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
        NOBUILD=1
        program=src/PinIo.Cli/bin/Release/net10.0/pinio
    fi
    programs+=("$program")
    echo "${sides[$i]}" > "$OUT/side$i.label"
done

# One job file per job and side: the side's lines appended; for the null engine the job's own
# engine replaced (fio's null engine also takes neither verify= nor fixedbufs=).
for job in "${JOBS[@]}"; do
    name=$(basename "$job" .fio)
    for i in "${!sides[@]}"; do
        f="$OUT/$name.side$i.fio"
        cp "$job" "$f"
        if [[ $TARGET == null ]]; then
            sed -i 's/^ioengine=.*/ioengine=null/; /^verify=/d' "$f"
            [[ $(basename "${programs[$i]}") == fio ]] && sed -i '/^fixedbufs=/d' "$f"
        fi
        [[ ${sides[$i]} == *"|"* ]] && { echo; tr ';' '\n' <<<"${sides[$i]#*|}"; } >> "$f"
    done
done

echo "target $target, $RUNS rounds of ${RUNTIME}s, prefix '${TS:-}', results in $OUT" >&2
for run in $(seq 1 "$RUNS"); do
    for job in "${JOBS[@]}"; do
        name=$(basename "$job" .fio)
        for i in "${!sides[@]}"; do
            base="$OUT/$name.side$i.$run"
            cut -d' ' -f1 /proc/loadavg > "$base.load"
            # shellcheck disable=SC2086 # TS is a command prefix
            perf record -q -a -e cpu-clock:u -F 4999 -o "$base.perf" -- \
                perf stat -x, -e syscalls:sys_enter_io_uring_enter -o "$base.stat" ${TS:-} "${programs[$i]}" \
                --output-format=json --output="$base.json" "$OUT/$name.side$i.fio" >/dev/null 2>"$base.err" \
                || echo "  side $i failed on $name (see $base.err)" >&2
            perf report -i "$base.perf" --no-children -n --sort pid,sym --stdio -g none 2>/dev/null | grep -v '^#' > "$base.samples" || true
            rm -f "$base.perf"
        done
    done
done
python3 bench/ab.py "$OUT"
