#!/usr/bin/env bash
# Issue 12 (task "file"): what the kernel is asked to do per I/O, fio against pinio, on the same
# job file and target: io_uring tracepoints (requests, punts to io-wq, task-work runs, waits),
# io_uring_enter calls, ext4/iomap Direct I/O (queued = completed asynchronously vs inline),
# block layer (bios, requests, plugs, merges), context switches and migrations — each counted
# by `perf stat` over the tool's whole process (its threads and io-wq workers inherit the
# counters) and divided by the I/Os the tool's JSON reports — plus the device's own view from
# /proc/diskstats (requests, merges, sectors per request, average queue depth in flight).
#
#   bench/kernel-per-io.sh                                     # every job of bench/jobs, on FILE
#   TARGET=/dev/zram0 SIZE=2g bench/kernel-per-io.sh bench/jobs/randread-4k-qd32.fio
#   TS="taskset -c 1" bench/kernel-per-io.sh ...               # both tools pinned to CPU 1
#   PINIO_EXTRA="taskrun=coop" bench/kernel-per-io.sh ...      # job lines appended for pinio only
#
# Read-only on a block device target; a FILE target is created and filled by fio first when
# missing or short. Raw outputs stay in $OUT. The diskstats columns are system-wide: other
# processes' I/O on the same disk counts too (small beside a job's tens of thousands of IOPS).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNTIME="${RUNTIME:-3}"
SIZE="${SIZE:-1g}"
TARGET="${TARGET:-${FILE:-/var/tmp/pinio-kernel-per-io.dat}}"
OUT="${OUT:-bench/out/kernel-per-io-$(date +%Y%m%d-%H%M%S)}"
JOBS=("$@")
if [[ ${#JOBS[@]} -eq 0 ]]; then JOBS=(bench/jobs/*.fio); fi
mkdir -p "$OUT"
dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio

if [[ ! -b "$TARGET" ]] && { [[ ! -f "$TARGET" ]] || [[ $(stat -c %s "$TARGET") -lt $(numfmt --from=iec "${SIZE^^}") ]]; }; then
    fio --name=fill --filename="$TARGET" --size="$SIZE" --rw=write --bs=1m --direct=1 --iodepth=8 --ioengine=io_uring --output=/dev/null
fi
# The disk under the target, as /proc/diskstats names it (the whole disk for a partition).
if [[ -b "$TARGET" ]]; then dev=$(basename "$(readlink -f "$TARGET")"); else dev=$(lsblk -no PKNAME "$(df --output=source "$TARGET" | tail -1)" 2>/dev/null || true); fi
[[ -n "$dev" ]] || dev=$(basename "$(df --output=source "$TARGET" | tail -1)")
export PINIO_TARGET="$TARGET" PINIO_SIZE="$SIZE" PINIO_RUNTIME="$RUNTIME"

EVENTS=io_uring:io_uring_submit_req,io_uring:io_uring_queue_async_work,io_uring:io_uring_complete
EVENTS+=,io_uring:io_uring_task_add,io_uring:io_uring_local_work_run,io_uring:io_uring_cqring_wait,io_uring:io_uring_file_get
EVENTS+=,io_uring:io_uring_short_write,io_uring:io_uring_req_failed,syscalls:sys_enter_io_uring_enter
EVENTS+=,iomap:iomap_dio_rw_begin,iomap:iomap_dio_rw_queued,iomap:iomap_iter
EVENTS+=,block:block_bio_queue,block:block_getrq,block:block_rq_issue,block:block_plug,block:block_unplug,block:block_bio_backmerge,block:block_rq_merge
EVENTS+=,ext4:ext4_journal_start_sb,ext4:ext4_es_lookup_extent_enter,ext4:ext4_ext_map_blocks_enter
EVENTS+=,context-switches,cpu-migrations,task-clock
# Leave out what this kernel does not have.
avail=()
IFS=, read -ra want <<<"$EVENTS"
for e in "${want[@]}"; do
    if [[ $e != *:* ]] || perf list "$e" 2>/dev/null | grep -q Tracepoint; then avail+=("$e"); fi
done
EVENTS=$(IFS=,; echo "${avail[*]}")

diskstats() { awk -v d="$dev" '$3==d {print $4, $5, $6, $8, $9, $10, $14}' /proc/diskstats; }
echo "target $TARGET (disk $dev), ${RUNTIME}s per tool and job, prefix '${TS:-}', results in $OUT" >&2
for job in "${JOBS[@]}"; do
    name=$(basename "$job" .fio)
    for tool in fio pinio; do
        jobfile="$job"
        cmd=fio
        if [[ $tool == pinio ]]; then
            cmd="$PINIO"
            if [[ -n "${PINIO_EXTRA:-}" ]]; then
                { cat "$job"; echo; tr ' ' '\n' <<<"$PINIO_EXTRA"; } > "$OUT/$name.pinio.fio"
                jobfile="$OUT/$name.pinio.fio"
            fi
        fi
        echo "$name $tool" >&2
        load=$(cut -d' ' -f1 /proc/loadavg)
        before=$(diskstats)
        t0=$(date +%s.%N)
        # shellcheck disable=SC2086 # TS is a command prefix
        perf stat -x, -e "$EVENTS" -o "$OUT/$name.$tool.stat" ${TS:-} "$cmd" --output-format=json --output="$OUT/$name.$tool.json" "$jobfile" \
            >/dev/null 2>"$OUT/$name.$tool.err" || echo "  $tool failed on $name (see $OUT/$name.$tool.err)" >&2
        t1=$(date +%s.%N)
        echo "$before|$(diskstats)|$t0|$t1|$load" > "$OUT/$name.$tool.disk"
    done
done
python3 bench/kernel-per-io.py "$OUT"
