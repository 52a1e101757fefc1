#!/usr/bin/env bash
# Regenerates src/PinIo.Cli/aot-hot-order.txt, the order in which the Native AOT build lays out
# pinio's hot methods (ILCompiler's --order with --method-layout:explicit, IlcOrderFile in the
# csproj): every managed method that perf samples in bench/jobs' jobs, hottest first, so that the
# per-I/O path sits in a few pages of code instead of being spread over the 3 MB text. On a VM
# that flushes the TLB on every kernel entry (this one: PVM, PTI without PCID) each io_uring_enter
# costs a miss per code page touched after it (bench/README.md, "lead (session 7)").
# Run it after renaming or adding hot methods: names missing from a build are ignored, and
# scripts/publish-aot.sh warns when most of the file's hottest names no longer exist.
#
#   bench/aot-order.sh                          # zram (read jobs) and the ext4 file (every job)
#   JOBS="bench/jobs/randread-4k-qd32.fio" bench/aot-order.sh
#   PROFILE="/tmp/ins /tmp/ins2" bench/aot-order.sh   # then one I/O's whole path of each job first (bench/aot-order-loop.py)
#
# Sampling alone leaves out what runs every I/O but costs too little to be sampled, and mixes the
# jobs' methods: regenerated that way in session 12, randread-4k-qd32 touched 24.9 code pages per
# I/O (20.8 with session 11's order); with its callgrind path put first in session 11's order
# (PROFILE: bench/instructions.sh's OUT for that job), 15.1.
set -euo pipefail
cd "$(dirname "$0")/.."

FILE="${FILE:-/var/tmp/pinio-compare.dat}"
read -r -a JOBS <<<"${JOBS:-$(echo bench/jobs/*.fio)}"
ORDER=src/PinIo.Cli/aot-hot-order.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Profiled without an order file, so that no earlier layout decides what is sampled.
scripts/publish-aot.sh "$work/aot" -p:IlcOrderFile= >/dev/null
[[ -f "$FILE" ]] || fio --name=make --filename="$FILE" --size=1g --rw=write --bs=1m --direct=1 --output=/dev/null
export PINIO_RUNTIME=3
for job in "${JOBS[@]}"; do
    targets=("$FILE")
    # zram0 is shared and filled by bench/compare.sh: read jobs only.
    if [[ -b /dev/zram0 && $(cat /sys/block/zram0/disksize) != 0 ]] && ! grep -qE '^rw=.*write|^rw=randrw' "$job"; then targets+=(/dev/zram0); fi
    for target in "${targets[@]}"; do
        size=1g; [[ $target == /dev/zram0 ]] && size=2g
        PINIO_TARGET="$target" PINIO_SIZE="$size" perf record -q -e cpu-clock:u -F 4999 -o "$work/perf.data" \
            "$work/aot/pinio" "$job" >/dev/null 2>&1
        perf report -i "$work/perf.data" --no-children --sort sym -g none 2>/dev/null | grep '%' >>"$work/flat.txt" || true
    done
done
nm -n "$work/aot/PinIo.Cli.dbg" | awk '$2 ~ /^[tT]$/ {print $3}' >"$work/methods.txt"
python3 - "$work/flat.txt" "$work/methods.txt" "$ORDER" <<'PY'
import collections, re, sys
flat, methods, order = sys.argv[1:]
weight = collections.Counter()
for line in open(flat):
    m = re.match(r'\s*([\d.]+)%\s+\[\.\]\s+(\S+)', line)
    if m:
        weight[m.group(2)] += float(m.group(1))
defined = set(l.strip() for l in open(methods))
# The runtime's assembly helpers (Rhp*) and libc are linked, not laid out by the compiler.
hot = [s for s, _ in weight.most_common() if s in defined and not s.startswith('Rhp') and s != 'syscall']
open(order, 'w').write('\n'.join(hot) + '\n')
print(f"{order}: {len(hot)} methods, hottest first")
PY
# shellcheck disable=SC2086 # PROFILE: one or more folders
if [[ -n "${PROFILE:-}" ]]; then python3 bench/aot-order-loop.py "$work/aot/PinIo.Cli.dbg" $PROFILE; fi
