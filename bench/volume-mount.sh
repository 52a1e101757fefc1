#!/usr/bin/env bash
# Mount time (superblock, journal replay, compaction into the other log area) of a Volume
# with FILES files and EXTENTS extents on a RAM disk. Prints one JSON line.
#   bench/volume-mount.sh [FILES=10000] [EXTENTS=1000000] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-10000}
extents=${2:-1000000}
rounds=${3:-3}
dotnet build -c Release bench/PinIo.Bench -v q -nologo >/dev/null
dotnet bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench.dll volume-mount --files="$files" --extents="$extents" --rounds="$rounds"
