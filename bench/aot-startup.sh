#!/usr/bin/env bash
# pinio with the JIT vs the Native AOT binary (issue 13, item 1): wall time of `pinio --version`
# (start-up alone) and of a one-second job (start-up, 1 s of I/O, the report), the median of
# RUNS runs each, the two builds alternating so that the machine's load falls on both alike.
# Timing lives here, never in the tests.
#
#   bench/aot-startup.sh                      # RUNS=11; builds what is missing
#   RUNS=21 bench/aot-startup.sh
#
# JIT: the Release build's apphost (src/PinIo.Cli/bin/Release/net10.0/pinio, what
# `dotnet tool install` runs too: the same runtimeconfig, TieredCompilation off).
# AOT: artifacts/aot/pinio from scripts/publish-aot.sh (needs clang).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-11}
JIT=src/PinIo.Cli/bin/Release/net10.0/pinio
AOT=artifacts/aot/pinio
JOB=(--name=t --filename=ram:64m --rw=randread --runtime=1 --time_based)

[ -x "$JIT" ] || dotnet build -c Release src/PinIo.Cli -v quiet -nologo >/dev/null
[ -x "$AOT" ] || scripts/publish-aot.sh >/dev/null

# Seconds one run of "$@" takes, its output thrown away (a failing run stops the script).
wall() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
}

median_ms() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] / 1000 }'; }

measure() {
    local label="$1"; shift
    local jit_times="" aot_times="" i
    for ((i = 0; i < RUNS; i++)); do
        jit_times+="$(wall "$JIT" "$@")"$'\n'
        aot_times+="$(wall "$AOT" "$@")"$'\n'
    done
    printf '%-22s JIT %6s s   AOT %6s s   (median of %d, wall)\n' "$label" \
        "$(printf '%s' "$jit_times" | median_ms)" "$(printf '%s' "$aot_times" | median_ms)" "$RUNS"
}

echo "# $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $("$AOT" --version)"
measure "pinio --version" --version
measure "1 s randread job" "${JOB[@]}"
