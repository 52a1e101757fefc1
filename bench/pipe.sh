#!/usr/bin/env bash
# Issue 13 item 6: a SIZE file on ext4 (/var/tmp) sent over a loopback TCP connection to a client
# in the same process that drops it, MiB/s (PinIo.Bench pipe), RUNS rounds, medians:
#   reader     DirectFile.CreatePipeReader: pool pages handed to Socket.SendAsync (the example's FileServer)
#   writer     DirectFile.ReadToPipeAsync(offset, count, PipeWriter): ITER_PIPE reads, one copy into the Pipe
#   filestream FileStream (buffered, page cache dropped first).CopyToAsync(NetworkStream)
#   bench/pipe.sh                        # RUNS=3 SIZE=1g
set -euo pipefail
cd "$(dirname "$0")/.."

FILE="${FILE:-/var/tmp/pinio-pipe.dat}"
OUT="${OUT:-bench/results/pipe-$(date +%Y-%m-%d).txt}"
source bench/seqfile.sh
run() {
    drop
    "$BENCH" pipe --api="$1" --file="$FILE" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["mibps"])'
}

declare -A all
for round in $(seq 1 "$RUNS"); do
    for api in reader writer filestream; do all[$api]+="$(run $api) "; done
    echo "round $round: reader=$(echo ${all[reader]} | awk "{print \$NF}") writer=$(echo ${all[writer]} | awk "{print \$NF}") filestream=$(echo ${all[filestream]} | awk "{print \$NF}")" >&2
done

{
    echo "# bench/pipe.sh $(date -u +%Y-%m-%dT%H:%MZ) RUNS=$RUNS SIZE=$SIZE FILE=$FILE; load $(cut -d' ' -f1-3 /proc/loadavg)"
    fs=$(median "${all[filestream]}")
    for api in reader writer filestream; do
        m=$(median "${all[$api]}")
        printf '%-11s %10s MiB/s  %5.2fx FileStream   runs: %s\n' "$api" "$m" "$(python3 -c "print($m/$fs)")" "${all[$api]}"
    done
} | tee "$OUT"
