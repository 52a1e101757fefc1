#!/usr/bin/env bash
# Issue 13 item 5: sequential read and write MiB/s of DirectFileStream vs a buffered FileStream vs
# fio --rw=read|write --bs=1m --direct=1 (psync, depth 1: fio's defaults), all on the same SIZE
# file on ext4 (/var/tmp). RUNS rounds, each case once per round in turn; medians and ratios.
#   read : DirectFileStream.CopyToAsync(Stream.Null) (1 MiB chunks, 4 read ahead)
#          FileStream (buffered) CopyToAsync(Stream.Null), page cache dropped first
#   write: 1 MiB WriteAsync calls over the file (overwriting it), then a durable flush, counted
#          in the time: DirectFileStream.FlushAsync (fdatasync), FileStream.Flush(true) (fsync),
#          fio with --end_fsync=1.
# Target: DirectFileStream >= 0.9x fio.
#   bench/stream.sh                      # RUNS=3 SIZE=1g
set -euo pipefail
cd "$(dirname "$0")/.."

FILE="${FILE:-/var/tmp/pinio-stream.dat}"
OUT="${OUT:-bench/results/stream-$(date +%Y-%m-%d).txt}"
source bench/seqfile.sh
fio_mibps() {
    drop
    fio --name=seq --filename="$FILE" --rw="$1" --bs=1m --size="$SIZE" --direct=1 ${2:-} --output-format=json \
        | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print("%.1f" % ((j["read"]["bw_bytes"]+j["write"]["bw_bytes"])/1048576))'
}
bench_mibps() {
    drop
    "$BENCH" "$@" --file="$FILE" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["mibps"])'
}

declare -A all
for round in $(seq 1 "$RUNS"); do
    all[fio-read]+="$(fio_mibps read) "
    all[pinio-read]+="$(bench_mibps stream --mode=read --api=pinio) "
    all[filestream-read]+="$(bench_mibps stream --mode=read --api=filestream) "
    all[fio-write]+="$(fio_mibps write --end_fsync=1) "
    all[pinio-write]+="$(bench_mibps stream --mode=write --api=pinio) "
    all[filestream-write]+="$(bench_mibps stream --mode=write --api=filestream) "
    echo "round $round: $(for k in fio-read pinio-read filestream-read fio-write pinio-write filestream-write; do v=${all[$k]% }; echo -n "$k=${v##* } "; done)" >&2
done

{
    echo "# bench/stream.sh $(date -u +%Y-%m-%dT%H:%MZ) RUNS=$RUNS SIZE=$SIZE FILE=$FILE ($(df -T "$(dirname "$FILE")" | awk 'NR==2{print $2}')); load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-8s %12s %12s %12s %10s %10s\n' "" "fio MiB/s" "stream" "FileStream" "stream/fio" "FS/fio"
    for dir in read write; do
        f=$(median "${all[fio-$dir]}"); p=$(median "${all[pinio-$dir]}"); s=$(median "${all[filestream-$dir]}")
        printf '%-8s %12s %12s %12s %9.2fx %9.2fx\n' "$dir" "$f" "$p" "$s" "$(python3 -c "print($p/$f)")" "$(python3 -c "print($s/$f)")"
    done
    for k in fio-read pinio-read filestream-read fio-write pinio-write filestream-write; do echo "  $k runs: ${all[$k]}"; done
} | tee "$OUT"
