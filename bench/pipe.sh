#!/usr/bin/env bash
# Issue 13 item 6: a SIZE file on ext4 (/var/tmp) sent over a loopback TCP connection to a client
# in the same process that drops it, MiB/s (PinIo.Bench pipe), RUNS rounds, medians:
#   reader     DirectFile.CreatePipeReader: pool pages handed to Socket.SendAsync (the example's FileServer)
#   writer     DirectFile.ReadToPipeAsync(offset, count, PipeWriter): ITER_PIPE reads, one copy into the Pipe
#   filestream FileStream (buffered, page cache dropped first).CopyToAsync(NetworkStream)
#   bench/pipe.sh                        # RUNS=3 SIZE=1g
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
SIZE="${SIZE:-1g}"
FILE="${FILE:-/var/tmp/pinio-pipe.dat}"
OUT="${OUT:-bench/results/pipe-$(date +%Y-%m-%d).txt}"

command -v fio >/dev/null || { apt-get update >/dev/null && apt-get install -y fio >/dev/null; }
dotnet build -c Release bench/PinIo.Bench -v q -nologo >/dev/null
BENCH=bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench
trap 'rm -f "$FILE"' EXIT

fio --name=prep --filename="$FILE" --rw=write --bs=1m --size="$SIZE" --direct=1 --end_fsync=1 >/dev/null

drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
run() {
    drop
    "$BENCH" pipe --api="$1" --file="$FILE" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["mibps"])'
}

declare -A all
for round in $(seq 1 "$RUNS"); do
    for api in reader writer filestream; do all[$api]+="$(run $api) "; done
    echo "round $round: reader=$(echo ${all[reader]} | awk "{print \$NF}") writer=$(echo ${all[writer]} | awk "{print \$NF}") filestream=$(echo ${all[filestream]} | awk "{print \$NF}")" >&2
done

median() { python3 -c 'import statistics,sys; print("%.1f" % statistics.median(map(float, sys.argv[1:])))' $1; }
{
    echo "# bench/pipe.sh $(date -u +%Y-%m-%dT%H:%MZ) RUNS=$RUNS SIZE=$SIZE FILE=$FILE; load $(cut -d' ' -f1-3 /proc/loadavg)"
    fs=$(median "${all[filestream]}")
    for api in reader writer filestream; do
        m=$(median "${all[$api]}")
        printf '%-11s %10s MiB/s  %5.2fx FileStream   runs: %s\n' "$api" "$m" "$(python3 -c "print($m/$fs)")" "${all[$api]}"
    done
} | tee "$OUT"
