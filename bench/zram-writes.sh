#!/usr/bin/env bash
# Issue 11's zram question: why 4 KiB random writes at depth 32 on zram0 ran at 2-3.7x fio's
# IOPS. zram compresses every page it stores, so its cost per write depends on the data:
#  1. each tool writes SIZE once (sequentially) to a fresh zram0; /sys/block/zram0/mm_stat
#     shows how the data compressed (orig vs compr bytes, same-filled and huge pages);
#  2. the same bytes are replayed by dd (O_DIRECT, 4 KiB) to a fresh zram0 from a copy in
#     /dev/shm: the kernel time per write of each tool's data through one and the same path;
#  3. RUNS rounds of randwrite bs=4k iodepth=32 io_uring, RUNTIME s each, alternately fio,
#     pinio, fio with refill_buffers (fresh data every write) and fio with scramble_buffers=0
#     (its buffers as first filled); medians of IOPS and CPU per write.
#
#   bench/zram-writes.sh                     # RUNS=3 RUNTIME=4 SIZE=256m
#   PINIO_BEFORE=/path/to/old/pinio bench/zram-writes.sh   # adds an older pinio to 1-3
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
RUNTIME="${RUNTIME:-4}"
SIZE="${SIZE:-256m}"
PINIO="${PINIO:-src/PinIo.Cli/bin/Release/net10.0/pinio}"
DEV=/dev/zram0
[[ -e /sys/block/zram0 ]] || modprobe zram
[[ -e /sys/block/zram0 ]] || { echo "zram-writes.sh: no /dev/zram0 (modprobe zram)" >&2; exit 2; }
if [[ -z "${PINIO_BUILT:-}" ]]; then dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null; fi
work=$(mktemp -d /dev/shm/pinio-zram.XXXXXX)
trap 'rm -rf "$work"; echo 1 > /sys/block/zram0/reset' EXIT

fresh() { echo 1 > /sys/block/zram0/reset; echo 2G > /sys/block/zram0/disksize; }
declare -A TOOLS=([fio]=fio [pinio]="$PINIO")
order=(fio pinio)
if [[ -n "${PINIO_BEFORE:-}" ]]; then TOOLS[pinio-before]="$PINIO_BEFORE"; order+=(pinio-before); fi

echo "== 1. $SIZE written once per tool (mm_stat: orig compr used limit max same compacted huge)"
for tool in "${order[@]}"; do
    fresh
    ${TOOLS[$tool]} --name=w --filename=$DEV --size="$SIZE" --rw=write --bs=4k --iodepth=32 --ioengine=io_uring \
        --direct=1 --output=/dev/null
    read -r orig compr _ _ _ same _ huge _ < /sys/block/zram0/mm_stat
    dd if=$DEV of="$work/$tool.dat" bs=1M count=$(( $(numfmt --from=iec "${SIZE^^}") >> 20 )) status=none
    python3 - "$work/$tool.dat" "$tool" "$orig" "$compr" "$same" "$huge" <<'EOF'
import sys, zlib
path, tool, orig, compr, same, huge = sys.argv[1:]
d = open(path, 'rb').read()
blocks = {d[i:i + 4096] for i in range(0, len(d), 4096)}
sample = d[:16 << 20]
deflated = sum(len(zlib.compress(sample[i:i + 4096], 1)) for i in range(0, len(sample), 4096))
print(f"{tool:13s} zram compr/orig {int(compr) / max(1, int(orig)):.3f}  same-filled pages {same}  huge pages {huge}  "
      f"distinct 4k blocks {len(blocks)} of {len(d) // 4096}  zero bytes {d.count(0) / len(d):.3f}  deflate {deflated / len(sample):.3f}")
EOF
done

echo "== 2. the same bytes replayed by dd (oflag=direct bs=4k): kernel time per 4 KiB write, medians of $RUNS"
for tool in "${order[@]}"; do
    times=()
    for _ in $(seq "$RUNS"); do
        fresh
        times+=("$( { /usr/bin/time -f '%S' dd if="$work/$tool.dat" of=$DEV bs=4k oflag=direct status=none; } 2>&1 )")
    done
    python3 -c "import statistics,sys; s=sorted(map(float,sys.argv[2:])); n=int(sys.argv[1]); print(f'{\"$tool\":13s} sys {statistics.median(s):.2f} s = {statistics.median(s)/n*1e6:.1f} us per write  (runs: {s})')" \
        $(( $(stat -c %s "$work/$tool.dat") / 4096 )) "${times[@]}"
done

echo "== 3. randwrite 4k iodepth 32 io_uring, ${RUNTIME}s, medians of $RUNS (alternating); CPU per write from"
echo "   /proc, sampled over the middle of each run: the tool's own threads (what its usr/sys report)"
echo "   and its io_uring workers (iou-wrk: io_uring hands zram0's writes, compression included,"
echo "   to a worker thread)"
cat > "$work/threads.py" <<'EOF'
import os, sys, time
root, seconds = sys.argv[1], float(sys.argv[2])
def snap():
    procs = {root}
    for p in os.listdir('/proc'):
        try:
            if p.isdigit() and open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1] == root:
                procs.add(p)
        except OSError:
            pass
    out = {}
    for p in procs:
        try:
            for t in os.listdir(f'/proc/{p}/task'):
                s = open(f'/proc/{p}/task/{t}/stat').read()
                comm = s[s.index('(') + 1:s.rindex(')')]
                f = s[s.rindex(')') + 2:].split()
                out[t] = ('wrk' if comm.startswith('iou-wrk') else 'own', int(f[11]), int(f[12]))
        except OSError:
            pass
    return out
a = snap(); time.sleep(seconds); b = snap()
tot = {('own', 'usr'): 0, ('own', 'sys'): 0, ('wrk', 'sys'): 0, ('wrk', 'usr'): 0}
for t, (kind, u, s) in b.items():
    if t in a:
        tot[(kind, 'usr')] += u - a[t][1]
        tot[(kind, 'sys')] += s - a[t][2]
hz = os.sysconf('SC_CLK_TCK')
print(' '.join(str(tot[k] / hz / seconds) for k in [('own', 'usr'), ('own', 'sys'), ('wrk', 'sys')]))
EOF
declare -A ROWS
variants=("${order[@]}" fio-refill fio-noscramble)
window=$(python3 -c "print(max(1.0, $RUNTIME - 1.5))")
for run in $(seq "$RUNS"); do
    for v in "${variants[@]}"; do
        cmd=${TOOLS[$v]:-fio}; extra=()
        [[ $v == fio-refill ]] && extra=(--refill_buffers)
        [[ $v == fio-noscramble ]] && extra=(--scramble_buffers=0)
        fresh
        $cmd --name=w --filename=$DEV --size="$SIZE" --rw=randwrite --bs=4k --iodepth=32 --ioengine=io_uring --direct=1 \
            --runtime="$RUNTIME" --time_based "${extra[@]}" --output-format=json --output="$work/r.json" >/dev/null &
        pid=$!
        sleep 1
        cpu=$(python3 "$work/threads.py" "$pid" "$window")
        wait "$pid"
        iops=$(python3 -c "import json; print(round(json.load(open('$work/r.json'))['jobs'][0]['write']['iops']))")
        ROWS[$v]+="$iops $cpu;"
        echo "  [run $run] $v: $iops IOPS" >&2
    done
done
for v in "${variants[@]}"; do
    python3 - "$v" "${ROWS[$v]}" <<'EOF'
import statistics, sys
name, rows = sys.argv[1], [list(map(float, r.split())) for r in sys.argv[2].split(';') if r.strip()]
med = lambda i: statistics.median(r[i] for r in rows)
per = lambda i: statistics.median(r[i] / r[0] * 1e6 for r in rows)
print(f"{name:13s} IOPS {med(0):8.0f}  per write: own threads usr {per(1):4.1f} us sys {per(2):4.1f} us, "
      f"iou-wrk sys {per(3):4.1f} us   (IOPS of the runs: {sorted(int(r[0]) for r in rows)})")
EOF
done
