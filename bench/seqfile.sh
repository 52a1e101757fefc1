# Sourced by bench/stream.sh and bench/pipe.sh (issue 13): RUNS, SIZE, a SIZE file at FILE on
# ext4 written by fio (removed on exit), PinIo.Bench built as $BENCH, drop() for a cold page
# cache before each run, median() of a list. The caller sets FILE and OUT first.
RUNS="${RUNS:-3}"
SIZE="${SIZE:-1g}"

command -v fio >/dev/null || { apt-get update >/dev/null && apt-get install -y fio >/dev/null; }
dotnet build -c Release bench/PinIo.Bench -v q -nologo >/dev/null
BENCH=bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench
trap 'rm -f "$FILE"' EXIT

fio --name=prep --filename="$FILE" --rw=write --bs=1m --size="$SIZE" --direct=1 --end_fsync=1 >/dev/null

drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
median() { python3 -c 'import statistics,sys; print("%.1f" % statistics.median(map(float, sys.argv[1:])))' $1; }
