#!/usr/bin/env bash
# The long run of pinio's parser fuzzer (tests/PinIo.Tests/Cli/ParserFuzz.cs): N generated
# inputs (default 10,000) — random and mutated command lines and job files — parsed and
# planned in process, each of which must end in a plan or pinio's one-line error; and every
# EVERY-th of them (default 50) that is safe to run (it fails in planning, or runs on small
# RAM disks only) run as a whole `pinio` process with program switches of its own (--output,
# --output-format, --eta, --lat-plot), stopped with SIGINT after 2 s if it is still running.
# A process counts as unhandled when it prints "Unhandled exception" or a stack trace, dies
# of a signal, or ignores SIGINT. Prints the counts of both.
#
#   bench/fuzz-cli.sh [N] [EVERY]        PINIO_FUZZ_SEED=... to repeat a run
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
EVERY=${2:-50}
work=$(mktemp -d /tmp/pinio-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/dump"

dotnet build -c Release src/PinIo.Cli >/dev/null
pinio=src/PinIo.Cli/bin/Release/net10.0/pinio

echo "in process: $N inputs (parse + plan)"
start=$(date +%s)
PINIO_FUZZ_INPUTS=$N PINIO_FUZZ_REPORT="$work/report.txt" PINIO_FUZZ_DUMP="$work/dump" PINIO_FUZZ_PROCESS_EVERY=$EVERY \
    dotnet test tests/PinIo.Tests -c Release --filter "FullyQualifiedName~ParserFuzzTests.EveryInputEndsInAPlanOrANamedError" >"$work/test.log" 2>&1 \
    || { tail -40 "$work/test.log"; }
head -1 "$work/report.txt"
sed -n '2,60p' "$work/report.txt"
echo "  ($(( $(date +%s) - start )) s)"

echo "whole process: every ${EVERY}th input"
results=0; named=0; unhandled=0; stopped=0; total=0
start=$(date +%s)
for args in "$work"/dump/*.args; do
    [ -e "$args" ] || continue
    mapfile -d '' tokens <"$args"
    total=$((total + 1))
    set +e
    (cd "$work/dump" && timeout -s INT -k 5 2 "$OLDPWD/$pinio" "${tokens[@]}" >"$work/out" 2>"$work/err" </dev/null)
    rc=$?
    set -e
    crashed=0
    if grep -q -e "Unhandled exception" -e "^   at " "$work/err"; then crashed=1; fi
    if [ "$rc" -ge 128 ]; then crashed=1; fi   # a signal: abort (134), or killed after ignoring SIGINT (137)
    if [ "$crashed" -eq 1 ]; then
        unhandled=$((unhandled + 1))
        if [ "$unhandled" -le 5 ]; then
            echo "  unhandled (exit $rc): pinio $(tr '\0' ' ' <"$args")"
            head -5 "$work/err" | sed 's/^/    /'
        fi
    elif [ "$rc" -eq 124 ]; then
        stopped=$((stopped + 1)); results=$((results + 1))
    elif [ "$rc" -eq 0 ]; then
        results=$((results + 1))
    else
        named=$((named + 1))
    fi
done
echo "inputs=$total results=$results (of which stopped by SIGINT: $stopped) named_errors=$named unhandled=$unhandled"
echo "  ($(( $(date +%s) - start )) s)"
