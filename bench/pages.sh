#!/usr/bin/env bash
# Distinct pages touched per I/O, code and data, counted rather than timed. On a host that
# flushes the TLB at every kernel entry (PTI without PCID: bench/README.md, "lead (session 7)")
# each page a loop turn touches costs a page walk after each io_uring_enter; this counts them.
# Each tool runs the job under valgrind's lackey with N and 2N I/Os; its memory trace is cut
# into windows of W instructions (W = the tool's instructions per I/O, from bench/instructions.sh)
# and each window's distinct 4 KiB pages counted (bench/pagewin.c). The 2N run has N more loop
# windows than the N run and the same start-up and tear-down, so the difference of the two runs'
# histograms is the loop's: its mean is the pages one I/O's worth of the loop touches.
#
#   W_FIO=2757 W_PINIO=5046 bench/pages.sh                    # randread-4k-qd32 on the ext4 file
#   JOB=bench/jobs/read-128k-qd8.fio W_FIO=2422 W_PINIO=7723 bench/pages.sh
#
# PINIO: a Native AOT pinio with its .dbg beside it (default: published from this tree). Slow:
# lackey runs fio's start-up at ~100x: ~3 minutes a fio run, ~15 minutes for both tools at N=500.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${N:-2000}"
JOB="${JOB:-bench/jobs/randread-4k-qd32.fio}"
FILE="${FILE:-/var/tmp/pinio-compare.dat}"
TOOLS="${TOOLS:-fio pinio}"
: "${W_FIO:?W_FIO: fio's instructions per I/O for the job (bench/instructions.sh)}"
: "${W_PINIO:?W_PINIO: pinio's instructions per I/O for the job (bench/instructions.sh)}"
OUT="${OUT:-bench/out/pages-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT/bin"

for tool in valgrind eu-unstrip gcc; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind elfutils gcc >/dev/null; }
done
gcc -O2 -o "$OUT/bin/pagewin" bench/pagewin.c
[[ -f "$FILE" ]] || fio --name=fill --filename="$FILE" --size=2g --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null
export PINIO_TARGET="$FILE" PINIO_SIZE=2g PINIO_RUNTIME=0
if [[ -z "${PINIO:-}" ]]; then
    PINIO=bench/out/pages-aot/pinio
    scripts/publish-aot.sh bench/out/pages-aot >/dev/null
fi
# valgrind cannot read the .dbg's DWARF 5: a copy with the symbol table only, as instructions.sh makes.
eu-unstrip -o "$OUT/bin/pinio.full" "$PINIO" "$(dirname "$PINIO")/PinIo.Cli.dbg"
objcopy --strip-debug --remove-section=.gnu_debuglink "$OUT/bin/pinio.full" "$OUT/bin/pinio"
rm "$OUT/bin/pinio.full"

name=$(basename "$JOB" .fio)
for tool in $TOOLS; do
    window=$W_FIO program=fio
    [[ $tool == pinio ]] && window=$W_PINIO program="$OUT/bin/pinio"
    for ios in "$N" "$((2 * N))"; do
        f="$OUT/$name.$tool.$ios.fio"
        { cat "$JOB"; echo; echo "time_based=0"; echo "number_ios=$ios"; [[ $tool == fio ]] && echo "thread=1"; } > "$f"
        valgrind --tool=lackey --trace-mem=yes "$program" --output=/dev/null "$f" 2>&1 >/dev/null \
            | "$OUT/bin/pagewin" "$window" > "$OUT/$name.$tool.$ios.windows"
    done
    python3 - "$OUT/$name.$tool.$N.windows" "$OUT/$name.$tool.$((2 * N)).windows" "$tool" "$window" <<'PY'
import collections, sys
short, long_, tool, window = sys.argv[1:]
def histogram(path):
    return collections.Counter(tuple(map(int, line.split())) for line in open(path))
loop = histogram(long_)
loop.subtract(histogram(short))
n = sum(v for v in loop.values())
code = sum(c * v for (c, _), v in loop.items()) / n
data = sum(d * v for (_, d), v in loop.items()) / n
print(f"{tool}: {code:.1f} code pages + {data:.1f} data pages = {code + data:.1f} per window of {window} instructions (one I/O), over {n} loop windows")
PY
done
