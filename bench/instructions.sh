#!/usr/bin/env bash
# Instructions per I/O, counted rather than timed. Each tool runs each job under valgrind's
# callgrind twice, with N and with 2N I/Os; the difference over N is what one I/O costs in user
# space, start-up and tear-down cancelled out. The count is exact to a few instructions per I/O,
# so a change of 1% shows here where timing on this shared, noisy machine cannot see 10%; it is
# no stand-in for time (a cache or TLB miss costs hundreds of instructions' time), but every
# instruction cut is time saved after each kernel entry, when caches and TLB are cold.
#
#   bench/instructions.sh                                   # every job of bench/jobs, fio and pinio
#   TOP=40 JOBS=bench/jobs/randread-4k-qd32.fio bench/instructions.sh   # and pinio's costliest functions
#   PINIO=/tmp/before/pinio bench/instructions.sh           # another Native AOT build (its .dbg beside it)
#
# PINIO: a Native AOT pinio (default: published from this tree into bench/out/instructions-aot).
# valgrind cannot read the DWARF 5 of its .dbg, so the run uses a copy carrying only the symbol
# table (eu-unstrip, objcopy --strip-debug). TARGET: file (FILE, 2 GiB, made when missing), zram
# (/dev/zram0, read jobs only) or a path. N: I/Os of the short run (2N of the long one; 2N must fit
# in one pass of the job's size). fio runs with thread=1 so its job is a thread of the one
# process callgrind counts, as pinio's is.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${N:-5000}"
TARGET="${TARGET:-file}"
FILE="${FILE:-/var/tmp/pinio-compare.dat}"
SIZE="${SIZE:-2g}"
TOP="${TOP:-0}"
read -r -a JOBS <<<"${JOBS:-$(ls bench/jobs/*.fio | tr '\n' ' ')}"
OUT="${OUT:-bench/out/instructions-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

for tool in valgrind eu-unstrip; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind elfutils >/dev/null; }
done
case "$TARGET" in
    file) target="$FILE"
        [[ -f "$FILE" && $(stat -c %s "$FILE") -ge $(numfmt --from=iec "${SIZE^^}") ]] ||
            fio --name=fill --filename="$FILE" --size="$SIZE" --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null ;;
    zram) target=/dev/zram0 ;;
    *) target="$TARGET" ;;
esac
export PINIO_TARGET="$target" PINIO_SIZE="$SIZE" PINIO_RUNTIME=0

if [[ -z "${PINIO:-}" ]]; then
    PINIO=bench/out/instructions-aot/pinio
    scripts/publish-aot.sh bench/out/instructions-aot >/dev/null
fi
dbg="$(dirname "$PINIO")/PinIo.Cli.dbg"
[[ -f "$dbg" ]] || { echo "instructions.sh: no $dbg beside $PINIO (publish with scripts/publish-aot.sh)" >&2; exit 1; }
mkdir -p "$OUT/bin"
eu-unstrip -o "$OUT/bin/pinio.full" "$PINIO" "$dbg"
objcopy --strip-debug --remove-section=.gnu_debuglink "$OUT/bin/pinio.full" "$OUT/bin/pinio"
rm "$OUT/bin/pinio.full"

echo "target $target, $N and $((2 * N)) I/Os per job, results in $OUT" >&2
for job in "${JOBS[@]}"; do
    name=$(basename "$job" .fio)
    for tool in fio pinio; do
        for ios in "$N" "$((2 * N))"; do
            f="$OUT/$name.$tool.$ios.fio"
            { cat "$job"; echo; echo "time_based=0"; echo "number_ios=$ios"; [[ $tool == fio ]] && echo "thread=1"; } > "$f"
            program=fio; [[ $tool == pinio ]] && program="$OUT/bin/pinio"
            valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.$tool.$ios.cg" \
                "$program" --output-format=json --output="$OUT/$name.$tool.$ios.json" "$f" \
                >/dev/null 2>"$OUT/$name.$tool.$ios.err" || echo "  $tool failed on $name (see $OUT/$name.$tool.$ios.err)" >&2
        done
    done
done
python3 bench/instructions.py "$OUT" "$N" "$TOP"
