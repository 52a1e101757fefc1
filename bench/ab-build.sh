#!/usr/bin/env bash
# Issue 12 (task "file"): A/B of whole programs on one job — two builds of pinio (a copy of the
# Release output kept before a change against the current one), or fio beside them — run
# alternately (A, B, A, B, ...) RUNS times so that drift on a shared machine hits every side
# alike. Prints bench/ab-ring.py's medians (IOPS, job-thread user and total CPU per I/O, load)
# and io_uring_enter calls per I/O of each side (perf stat over the whole process).
#
#   cp -r src/PinIo.Cli/bin/Release/net10.0 /tmp/pinio-before      # before the change
#   ... change, dotnet build -c Release src/PinIo.Cli ...
#   TARGET=/var/tmp/f.dat JOB=bench/jobs/randread-4k-qd32.fio bench/ab-build.sh /tmp/pinio-before/pinio src/PinIo.Cli/bin/Release/net10.0/pinio fio
#   TS="taskset -c 1" RUNS=7 bench/ab-build.sh ...                  # every side pinned to CPU 1
#
# Each argument is one side: a program that takes fio's command line (fio, or a pinio binary).
# TARGET: a file (created and filled by fio when missing or short) or a block device (read jobs
# only on a shared one). Raw JSON reports stay in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}"
SIZE="${SIZE:-1g}"
TARGET="${TARGET:-/var/tmp/pinio-ab-build.dat}"
JOB="${JOB:-bench/jobs/randread-4k-qd32.fio}"
OUT="${OUT:-bench/out/ab-build-$(date +%Y%m%d-%H%M%S)}"
[[ $# -ge 2 ]] || { echo "usage: bench/ab-build.sh PROGRAM_A PROGRAM_B [...]" >&2; exit 1; }
mkdir -p "$OUT"
if [[ ! -b "$TARGET" ]] && { [[ ! -f "$TARGET" ]] || [[ $(stat -c %s "$TARGET") -lt $(numfmt --from=iec "${SIZE^^}") ]]; }; then
    fio --name=fill --filename="$TARGET" --size="$SIZE" --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null
fi
export PINIO_TARGET="$TARGET" PINIO_SIZE="$SIZE" PINIO_RUNTIME="$RUNTIME"

sides=("$@")
for i in "${!sides[@]}"; do echo "${sides[$i]}" > "$OUT/side$i.label"; done
echo "$(basename "$JOB" .fio) on $TARGET, $RUNS rounds of ${RUNTIME}s, prefix '${TS:-}', results in $OUT" >&2
for run in $(seq 1 "$RUNS"); do
    for i in "${!sides[@]}"; do
        cut -d' ' -f1 /proc/loadavg > "$OUT/side$i.$run.load"
        # shellcheck disable=SC2086 # TS is a command prefix
        perf stat -x, -e syscalls:sys_enter_io_uring_enter -o "$OUT/side$i.$run.stat" ${TS:-} "${sides[$i]}" \
            --output-format=json --output="$OUT/side$i.$run.json" "$JOB" >/dev/null 2>"$OUT/side$i.$run.err" \
            || echo "  side $i failed (see $OUT/side$i.$run.err)" >&2
    done
done
python3 bench/ab-ring.py "$OUT"
python3 - "$OUT" <<'EOF'
import glob, json, os, re, statistics, sys
folder = sys.argv[1]
enters = {}
for path in glob.glob(os.path.join(folder, "side*.*.stat")):
    side = int(re.match(r"side(\d+)\.", os.path.basename(path)).group(1))
    try:
        with open(path[:-5] + ".json") as f:
            text = f.read()
        job = json.loads(text[text.index("{"):])["jobs"][0]
        count = next(float(l.split(",")[0]) for l in open(path) if "io_uring_enter" in l)
    except (ValueError, OSError, StopIteration):
        continue
    ios = sum(job[d]["total_ios"] for d in ("read", "write"))
    enters.setdefault(side, []).append(count / ios)
print("\nio_uring_enter per I/O (median): " + ", ".join(f"side {s} {statistics.median(v):.3f}" for s, v in sorted(enters.items())))
EOF
