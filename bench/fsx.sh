#!/usr/bin/env bash
# pinio fsx, OPS operations (default 1,000,000) per Direct I/O path, each with its own seed:
# prints each run's summary line (operations by kind, ops/s, mismatches) and, at a mismatch,
# fsx's op log. Exit status 1 when any run found a mismatch.
#
#   bench/fsx.sh                      # 1,000,000 ops on iomap, then on legacy, seed 1
#   OPS=100000 SEED=7 PATHS=legacy EXTRA="--logical-block=4096 --powercut" bench/fsx.sh
set -euo pipefail
cd "$(dirname "$0")/.."

OPS="${OPS:-1000000}"
SEED="${SEED:-1}"
PATHS="${PATHS:-iomap legacy}"
EXTRA="${EXTRA:-}"

dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio

status=0
for path in $PATHS; do
    # shellcheck disable=SC2086
    "$PINIO" fsx --seed="$SEED" --ops="$OPS" --path="$path" $EXTRA | grep -v '^ ' || status=1
done
exit $status
