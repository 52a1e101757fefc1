#!/usr/bin/env bash
# PinIo vs fio vs plain .NET RandomAccess, on the same file (and, as root, on a loop device
# over /dev/shm), run ALTERNATELY and RUNS times so that drift on a shared machine hits every
# engine alike. Prints medians, ratios to fio, and PASS/MISS per target of issue 3.
#
#   bench/run.sh                      # RUNS=5 RUNTIME=3 RAMP=1
#   RUNS=3 RUNTIME=2 TARGETS=file bench/run.sh
#   TARGETS="zram loop file" CASES=lib bench/run.sh   # issue 12: the library from a caller's own async loop
#   CASES=lib BENCH_B=/tmp/b/bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench bench/run.sh   # A/B: this tree's build vs another
#
# Environment: RUNS (5), RUNTIME seconds per measurement (3), RAMP seconds PinIo runs before
# measuring, for JIT and tiering (1), FILE (/var/tmp/pinio-bench.dat, 1 GiB, created once),
# SIZE (1g), TARGETS ("file loop" as root, else "file"; "zram" = /dev/zram0, read only, as
# bench/compare.sh TARGET=zram set it up), CASES ("qd1 qd32 seq"; "lib" = issue 12's caller
# loop; "libpool" = its default-configuration engine alone; "libpin" = its pinned-memory engine alone), OUT (a new folder under bench/out/), BENCH_B (another build's PinIo.Bench: every pinio-*
# engine then also runs with it in each round, as <engine>@B, A and B taking turns to go first;
# the summary adds B/A per engine). Raw results: $OUT/results.jsonl, one JSON line per measurement.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-3}"
RAMP="${RAMP:-1}"
FILE="${FILE:-/var/tmp/pinio-bench.dat}"
SIZE="${SIZE:-1g}"
CASES="${CASES:-qd1 qd32 seq}"
if [[ $(id -u) -eq 0 ]]; then TARGETS="${TARGETS:-file loop}"; else TARGETS="${TARGETS:-file}"; fi
OUT="${OUT:-$HERE/out/$(date +%Y%m%d-%H%M%S)}"
BENCH_B="${BENCH_B:-}"
SHM_IMG=/dev/shm/pinio-bench.img
LOOP=""

log() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------
need_pkgs=()
command -v fio >/dev/null || need_pkgs+=(fio)
command -v python3 >/dev/null || need_pkgs+=(python3)
if ((${#need_pkgs[@]})); then
    if [[ $(id -u) -ne 0 ]]; then log "missing ${need_pkgs[*]}: install them (apt-get install -y ${need_pkgs[*]})"; exit 1; fi
    log "installing ${need_pkgs[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

mkdir -p "$OUT"
log "building PinIo.Bench (Release)"
dotnet build "$HERE/PinIo.Bench/PinIo.Bench.csproj" -c Release -nologo -v quiet >"$OUT/build.log" 2>&1 \
    || { cat "$OUT/build.log" >&2; exit 1; }
BENCH="$HERE/PinIo.Bench/bin/Release/net10.0/PinIo.Bench"
if [[ -n "$BENCH_B" && ! -x "$BENCH_B" ]]; then log "BENCH_B=$BENCH_B is not an executable"; exit 1; fi

# --- the test file and the loop device -----------------------------------------------------
size_bytes=$(python3 -c "import sys; s=sys.argv[1].lower().rstrip('b').rstrip('i'); u={'k':1<<10,'m':1<<20,'g':1<<30}; print(int(s[:-1])*u[s[-1]] if s[-1] in u else int(s))" "$SIZE")
if [[ ! -f "$FILE" || $(stat -c %s "$FILE") -lt $size_bytes ]]; then
    log "creating $FILE ($SIZE of random data, once)"
    mkdir -p "$(dirname "$FILE")"
    head -c "$size_bytes" /dev/urandom >"$FILE.tmp" && mv "$FILE.tmp" "$FILE" && sync
fi

cleanup() {
    if [[ -n "$LOOP" ]]; then losetup -d "$LOOP" 2>/dev/null || true; fi
    rm -f "$SHM_IMG"
}
trap cleanup EXIT

declare -A TARGET_PATH=([file]="$FILE")
if [[ " $TARGETS " == *" zram "* ]]; then
    # /dev/zram0 is shared (other sessions read it): only read, never reset or refill here.
    # bench/compare.sh TARGET=zram sizes it (2 GiB) and fills it with random data.
    if [[ -b /dev/zram0 && -r /dev/zram0 && $(cat /sys/block/zram0/disksize 2>/dev/null || echo 0) -ge $size_bytes ]]; then
        TARGET_PATH[zram]=/dev/zram0
        log "zram target: /dev/zram0 ($(($(cat /sys/block/zram0/disksize) >> 20)) MiB, read only)"
    else
        log "zram target needs /dev/zram0 of at least $SIZE, filled (TARGET=zram bench/compare.sh sets it up): skipped"
        TARGETS="${TARGETS//zram/}"
    fi
fi
if [[ " $TARGETS " == *" loop "* ]]; then
    if [[ $(id -u) -ne 0 ]]; then log "loop target needs root: skipped"; TARGETS="${TARGETS//loop/}"; else
        # A loop device over a tmpfs file: a real block device (O_DIRECT, queue limits in
        # /sys/block/loopN/queue) whose backing store is memory. --direct-io=on makes the
        # loop driver itself use O_DIRECT on the backing file (tmpfs accepts it since 6.6).
        cp "$FILE" "$SHM_IMG"
        truncate -s "$size_bytes" "$SHM_IMG"
        LOOP=$(losetup -f --show --direct-io=on "$SHM_IMG")
        TARGET_PATH[loop]="$LOOP"
        log "loop target: $LOOP over $SHM_IMG ($(losetup -n -O DIO "$LOOP" | tr -d ' ' | sed 's/1/direct-io on/;s/^0$/direct-io off/'))"
    fi
fi

# --- one measurement of each engine, as one normalized JSON line ----------------------------
vmstat_pins() { awk '/^nr_foll_pin_acquired /{print $2; f=1} END{if(!f) print ""}' /proc/vmstat; }

# run_fio TARGET CASE ENGINE RW BS DEPTH RUN
run_fio() {
    local target=$1 case=$2 engine=$3 rw=$4 bs=$5 depth=$6 run=$7 extra=()
    case $engine in
        fio-uring) extra=(--ioengine=io_uring) ;;
        fio-uring-fixed) extra=(--ioengine=io_uring --fixedbufs) ;;
        fio-psync) extra=(--ioengine=psync) ;;
        fio-libaio) extra=(--ioengine=libaio) ;;
        # Diagnostic: fio submitting in batches as PinIo's ring thread does (one
        # io_uring_enter per reap cycle) instead of one request per io_uring_enter.
        fio-uring-batch) extra=(--ioengine=io_uring --iodepth_batch_submit="$depth" --iodepth_batch_complete_max="$depth") ;;
    esac
    local json="$OUT/fio-$target-$case-$engine-$run.json" p0 p1
    local load; load=$(cut -d' ' -f1 /proc/loadavg)
    p0=$(vmstat_pins)
    fio --name=bench --filename="${TARGET_PATH[$target]}" --readonly --direct=1 --rw="$rw" --bs="$bs" \
        --iodepth="$depth" "${extra[@]}" --time_based --runtime="$RUNTIME" --size="$SIZE" \
        --norandommap --randrepeat=0 --lat_percentiles=1 --output-format=json --output="$json" >/dev/null
    p1=$(vmstat_pins)
    LOAD=$load python3 "$HERE/report.py" fio "$json" "$target" "$case" "$engine" "$run" "$p0" "$p1" >>"$OUT/results.jsonl"
}

# run_pinio TARGET CASE ENGINE RW BS DEPTH RUN [PROGRAM]: ENGINE@B runs ENGINE with PROGRAM
run_pinio() {
    local target=$1 case=$2 engine=$3 rw=$4 bs=$5 depth=$6 run=$7 program=${8:-$BENCH} args=()
    case ${engine%@B} in
        pinio-uring) args=(--engine=pinio-uring) ;;
        pinio-uring-fixed) args=(--engine=pinio-uring --fixed) ;;
        # The default DirectFileOptions: continuations on the thread pool, requests handed to
        # the ring's thread from there.
        pinio-uring-pool) args=(--engine=pinio-uring --inline=0) ;;
        # Plain array memory (array.AsMemory of the pinned array): PinIo GC-pins it per request.
        pinio-uring-array) args=(--engine=pinio-uring --memory=array) ;;
        pinio-sync) args=(--engine=pinio-sync) ;;
        pinio-libaio) args=(--engine=pinio-libaio) ;;
        dotnet) args=(--engine=dotnet) ;;
        dotnet-sync) args=(--engine=dotnet --dotnet-api=sync) ;;
    esac
    local line load; load=$(cut -d' ' -f1 /proc/loadavg)
    line=$("$program" "${args[@]}" --file="${TARGET_PATH[$target]}" --rw="$rw" --bs="$bs" --iodepth="$depth" \
        --runtime="$RUNTIME" --ramp="$RAMP" --size="$SIZE")
    LOAD=$load python3 "$HERE/report.py" pinio - "$target" "$case" "$engine" "$run" <<<"$line" >>"$OUT/results.jsonl"
}

# CASE -> rw bs iodepth engines (fio, pinio and dotnet interleaved)
case_spec() {
    case $1 in
        qd1) echo "randread 4k 1 fio-uring pinio-uring fio-uring-fixed pinio-uring-fixed fio-psync pinio-sync dotnet" ;;
        qd32) echo "randread 4k 32 fio-uring pinio-uring fio-uring-fixed pinio-uring-fixed fio-uring-batch pinio-sync fio-libaio pinio-libaio dotnet dotnet-sync" ;;
        seq) echo "read 1m 8 fio-uring pinio-uring fio-uring-fixed pinio-uring-fixed pinio-sync dotnet" ;;
        # Issue 12: DirectFile.ReadAsync from the caller's own async loop, both kinds of buffer
        # (pinned memory vs fio, AllocateBuffer vs fio --fixedbufs), fio both ways.
        lib) echo "randread 4k 32 fio-uring pinio-uring fio-uring-fixed pinio-uring-fixed pinio-uring-array pinio-uring-pool" ;;
        # The library's default configuration alone (continuations on the thread pool), for its A/Bs.
        libpool) echo "randread 4k 32 fio-uring pinio-uring-pool" ;;
        # The pinned-memory (caller memory, inline) engine alone, for A/Bs of the pin path.
        libpin) echo "randread 4k 32 fio-uring pinio-uring" ;;
        *) log "unknown case $1"; exit 1 ;;
    esac
}

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "machine: nproc=$(nproc) kernel=$(uname -r) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "file: $FILE on $(df -T "$FILE" | awk 'NR==2{print $2" ("$1")"}')"
    [[ -n "$LOOP" ]] && echo "loop: $LOOP over $SHM_IMG (tmpfs), direct-io=$(losetup -n -O DIO "$LOOP" | tr -d ' ')"
    echo "fio: $(fio --version)  dotnet: $(dotnet --version)"
    echo "RUNS=$RUNS RUNTIME=${RUNTIME}s RAMP=${RAMP}s SIZE=$SIZE TARGETS=\"$TARGETS\" CASES=\"$CASES\""
    if [[ -n "$BENCH_B" ]]; then echo "A: $BENCH ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))  B: $BENCH_B"; fi
} | tee "$OUT/env.txt" >&2

total=0
for t in $TARGETS; do for c in $CASES; do
    set -- $(case_spec "$c"); total=$((total + $# - 3))
    for e in "$@"; do if [[ -n "$BENCH_B" && $e == pinio-* ]]; then total=$((total + 1)); fi; done
done; done
total=$((total * RUNS))
n=0
for ((run = 1; run <= RUNS; run++)); do
    for target in $TARGETS; do
        for c in $CASES; do
            set -- $(case_spec "$c")
            rw=$1 bs=$2 depth=$3
            shift 3
            for engine in "$@"; do
                if [[ $engine == fio-* ]]; then
                    n=$((n + 1))
                    log "[$n/$total] run $run $target $c $engine"
                    run_fio "$target" "$c" "$engine" "$rw" "$bs" "$depth" "$run"
                    continue
                fi
                sides=("$engine")
                if [[ -n "$BENCH_B" && $engine == pinio-* ]]; then
                    # A and B back to back, B first in even rounds.
                    if ((run % 2)); then sides=("$engine" "$engine@B"); else sides=("$engine@B" "$engine"); fi
                fi
                for side in "${sides[@]}"; do
                    n=$((n + 1))
                    log "[$n/$total] run $run $target $c $side"
                    program=$BENCH; if [[ $side == *@B ]]; then program=$BENCH_B; fi
                    run_pinio "$target" "$c" "$side" "$rw" "$bs" "$depth" "$run" "$program"
                done
            done
        done
    done
done

python3 "$HERE/report.py" summary "$OUT/results.jsonl" | tee "$OUT/summary.txt"
log "raw results: $OUT/results.jsonl"
