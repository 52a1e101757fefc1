#!/usr/bin/env bash
# Issue 13 item 3: the latency of one synchronous 4 KiB O_DIRECT read. PinIo.Bench sync-read
# times, one by one, 4 KiB random reads of one file by four callers in turn each round:
# RandomAccess.Read (a pread on a handle given O_DIRECT), DirectFile.Read on an io_uring file and
# on a sync-engine file (both preadv2 on the caller's thread), and ReadAsync on the ring with the
# caller blocked until it completes (what DirectFile.Read did before). RUNS processes, medians
# of their p50s printed last.
#
#   bench/sync-read.sh                         # RUNS=3 READS=20000 ROUNDS=5, SIZE=256 (MiB)
#   FILE=/path/on/ext4 RUNS=5 bench/sync-read.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
READS=${READS:-20000}
ROUNDS=${ROUNDS:-5}
SIZE=${SIZE:-256}
FILE=${FILE:-/var/tmp/pinio-sync-read.data}
OUT=${OUT:-bench/results/sync-read-$(date -u +%F).txt}

dotnet build bench/PinIo.Bench -c Release -v q -nologo >/dev/null
if [[ ! -f "$FILE" || $(stat -c %s "$FILE") -ne $((SIZE << 20)) ]]; then
    dd if=/dev/urandom of="$FILE" bs=1M count="$SIZE" oflag=direct status=none
fi
{
    echo "# bench/sync-read.sh $(date -u +%FT%TZ) $(uname -r) load $(cut -d' ' -f1-3 /proc/loadavg) file $FILE (${SIZE} MiB, $(findmnt -no FSTYPE -T "$FILE"))"
    for run in $(seq 1 "$RUNS"); do
        dotnet bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench.dll sync-read --file="$FILE" --reads="$READS" --rounds="$ROUNDS" | sed "s/^/run $run /"
    done
} | tee "$OUT"
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if line.startswith("run "):
        r = json.loads(line.split(" ", 2)[2])
        rows.setdefault(r["caller"], []).append(r)
base = statistics.median(r["p50_us"] for r in rows["randomaccess"])
print(f"{'caller':18} {'p50 us':>8} {'p90 us':>8} {'p99 us':>8} {'p50 vs RandomAccess':>20}  (medians of {len(rows['randomaccess'])} runs)")
for caller, rs in rows.items():
    p50 = statistics.median(r["p50_us"] for r in rs)
    p90 = statistics.median(r["p90_us"] for r in rs)
    p99 = statistics.median(r["p99_us"] for r in rs)
    print(f"{caller:18} {p50:8.2f} {p90:8.2f} {p99:8.2f} {p50 / base:19.2f}x")
PY
