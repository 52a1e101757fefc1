#!/usr/bin/env bash
# Issue 4's comparison: fio and pinio run the SAME job files, alternately (fio, pinio, fio, ...)
# and RUNS times, so drift on a shared machine hits both alike; prints medians and the
# pinio/fio ratios of IOPS, bandwidth, p50/p99/p99.9 completion latency and CPU per I/O.
#
#   bench/compare.sh                         # every job in bench/jobs/
#   RUNS=3 RUNTIME=3 bench/compare.sh bench/jobs/randread-4k-qd32.fio ...
#
# Target: a RAM-backed loop device (over /dev/shm) when root, else a file (FILE). The jobs read
# ${PINIO_TARGET}, ${PINIO_SIZE} and ${PINIO_RUNTIME} from the environment (fio and pinio
# both expand $VAR in job files). Raw JSON reports stay in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}"
SIZE="${SIZE:-512m}"
FILE="${FILE:-/var/tmp/pinio-compare.dat}"
OUT="${OUT:-bench/out/compare-$(date +%Y%m%d-%H%M%S)}"
JOBS=("$@")
if [[ ${#JOBS[@]} -eq 0 ]]; then JOBS=(bench/jobs/*.fio); fi
mkdir -p "$OUT"

if ! command -v fio >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq fio >/dev/null
fi
dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio

loop=""
cleanup() { if [[ -n "$loop" ]]; then losetup -d "$loop" || true; rm -f /dev/shm/pinio-compare.img; fi; }
trap cleanup EXIT
if [[ $(id -u) -eq 0 ]] && command -v losetup >/dev/null 2>&1; then
    truncate -s "$SIZE" /dev/shm/pinio-compare.img
    loop=$(losetup -f --show --direct-io=on /dev/shm/pinio-compare.img)
    target="$loop"
else
    [[ -f "$FILE" ]] || fio --name=layout --filename="$FILE" --size="$SIZE" --rw=write --bs=1m --direct=1 --output=/dev/null
    target="$FILE"
fi
export PINIO_TARGET="$target" PINIO_SIZE="$SIZE" PINIO_RUNTIME="$RUNTIME"
echo "target $target, $RUNS runs of ${RUNTIME}s per tool and job, results in $OUT" >&2

for run in $(seq 1 "$RUNS"); do
    for job in "${JOBS[@]}"; do
        name=$(basename "$job" .fio)
        for tool in fio pinio; do
            echo "[run $run] $name $tool" >&2
            cmd=fio
            [[ $tool == pinio ]] && cmd="$PINIO"
            load=$(cut -d' ' -f1 /proc/loadavg)
            "$cmd" --output-format=json --output="$OUT/$name.$tool.$run.json" "$job" >/dev/null 2>"$OUT/$name.$tool.$run.err" \
                || echo "  $tool failed on $name (see $OUT/$name.$tool.$run.err)" >&2
            echo "$load" > "$OUT/$name.$tool.$run.load"
        done
    done
done
python3 bench/compare.py "$OUT"
