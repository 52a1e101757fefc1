#!/usr/bin/env bash
# The fork question (dotnet/runtime#27408), for longer than the suite runs it: Direct I/O reads
# into ordinary managed arrays, pool memory and native memory, on the io_uring and sync
# engines, while another thread forks (Process.Start of /bin/true and a raw fork(2) whose
# child exits at once). Every byte read is checked. Runs the suite's own test
# (ForkDirectIoTests, workload in tests/PinIo.Tests/Infrastructure/FileForkSoak.cs) with a
# longer duration, and prints its counts: reads, bytes checked, wrong bytes, forks, children
# that did not exit cleanly, pins acquired/released. Exits non-zero when any check failed.
#
#   bench/fork-soak.sh            # 60 s
#   bench/fork-soak.sh 300        # or SECONDS_TO_RUN=300 bench/fork-soak.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DURATION="${1:-${SECONDS_TO_RUN:-60}}"
REPORT="$(mktemp /tmp/pinio-fork-soak.XXXXXX)"
trap 'rm -f "$REPORT"' EXIT

echo "fork soak: ${DURATION} s (building the tests first)" >&2
status=0
PINIO_FORK_SOAK_SECONDS="$DURATION" PINIO_FORK_SOAK_REPORT="$REPORT" \
    dotnet test "$ROOT/tests/PinIo.Tests" -c Release --filter "FullyQualifiedName~ForkDirectIoTests" \
    --logger "console;verbosity=minimal" >&2 || status=$?

if [[ -s "$REPORT" ]]; then
    cat "$REPORT"
else
    echo "fork soak: no counts were written (the run failed before its end; see the output above)"
    status=${status:-1}
    [[ $status -ne 0 ]] || status=1
fi
[[ $status -eq 0 ]] && echo "fork soak: PASS (no wrong byte, every child exited cleanly, pins balanced)" || echo "fork soak: FAIL (exit $status)"
exit "$status"
