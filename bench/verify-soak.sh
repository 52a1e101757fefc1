#!/usr/bin/env bash
# A verify soak: pinio runs a 70/30 random read/write mix of 4 KiB blocks at depth 16 with
# crc32c verification for DURATION seconds (default 300), time_based, so every size of I/O is
# read back and checked before the next (fio's time_based verify cycles). Prints the
# operations, the miscompares, the pins PinIo acquired and released (equal: none leaked) and
# the process's RSS shortly after the start and just before the end (flat: no growth).
#
#   bench/verify-soak.sh [DURATION] [TARGET] [SIZE]
#     TARGET: shm (default: a file in /dev/shm, O_DIRECT on tmpfs), ram (pinio's RAM disk),
#             or a path (a file or a block device: its data is overwritten)
#     SIZE:   the region, default 256m
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-300}
TARGET=${2:-shm}
SIZE=${3:-256m}
work=$(mktemp -d /tmp/pinio-soak.XXXXXX)
cleanup() { rm -rf "$work"; [ "$TARGET" = shm ] && rm -f "/dev/shm/pinio-soak.$$"; true; }
trap cleanup EXIT

case "$TARGET" in
    shm) filename="/dev/shm/pinio-soak.$$"; engine=io_uring ;;
    ram) filename="ram:$SIZE"; engine=io_uring ;;
    *) filename="$TARGET"; engine=io_uring ;;
esac

dotnet build -c Release src/PinIo.Cli >/dev/null
pinio=src/PinIo.Cli/bin/Release/net10.0/pinio

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

"$pinio" --name=soak --filename="$filename" --size="$SIZE" --rw=randrw --rwmixread=70 --bs=4k --iodepth=16 \
    --ioengine="$engine" --direct=1 --verify=crc32c --time_based --runtime="${DURATION}s" --randrepeat=0 \
    --output-format=normal --output="$work/out.txt" --eta=never 2>"$work/err" &
pid=$!
early=$(( DURATION < 20 ? 2 : 10 ))
sleep "$early"
rss_start=$(rss $pid)
sleep $(( DURATION - early - 2 > 0 ? DURATION - early - 2 : 0 ))
rss_end=$(rss $pid)
set +e
wait $pid
status=$?
set -e

python3 - "$work/out.txt" "$work/err" "$status" "$rss_start" "$rss_end" "$DURATION" "$filename" <<'PY'
import re, sys
out, err, status, rss_start, rss_end, duration, target = sys.argv[1:8]
report = open(out).read()
errors = open(err).read()
reads, writes = map(int, re.search(r"issued rwts: total=(\d+),(\d+),", report).groups())
acquired, released = map(int, re.search(r"pins\s*: pinio acquired=(\d+) released=(\d+)", report).groups())
header = re.search(r"\(groupid=\d+, jobs=\d+\): err=\s*(\d+)(.*)", report)
error, text = int(header.group(1)), header.group(2)
miscompares = 0
if "verify failed" in text:
    more = re.search(r"; (\d+) more blocks failed verification", text)
    miscompares = 1 + (int(more.group(1)) if more else 0)
print(f"target={target} duration={duration}s exit={status} error={error}")
print(f"operations={reads + writes} (reads={reads}, writes={writes}), {(reads + writes) / float(duration):.0f}/s")
print(f"miscompares={miscompares}")
print(f"pins acquired={acquired} released={released} outstanding={acquired - released}")
print(f"rss start={int(rss_start) // 1024} MiB end={int(rss_end) // 1024} MiB growth={(int(rss_end) - int(rss_start)) // 1024} MiB")
if errors.strip():
    print("stderr:", errors.strip()[:2000])
PY
