#!/usr/bin/env bash
# Builds fio's t/io_uring (fio's own peak-IOPS tool) from the fio mirror, once; prints the binary's path.
# Cached in $TIOURING_CACHE (default /var/tmp/pinio-t-io_uring/<fio commit>/t/io_uring): it needs no install.
set -euo pipefail
MIRROR="${FIO_MIRROR:-/work/.mirror/axboe+fio/repo}"
commit=$(git --git-dir="$MIRROR" rev-parse --short HEAD)
dir="${TIOURING_CACHE:-/var/tmp/pinio-t-io_uring}/$commit"
if [[ -x "$dir/t/io_uring" ]]; then echo "$dir/t/io_uring"; exit 0; fi
for tool in gcc make; do
    command -v "$tool" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq build-essential >/dev/null; break; }
done
rm -rf "$dir" && mkdir -p "$dir"
git --git-dir="$MIRROR" archive HEAD | tar -x -C "$dir"
(cd "$dir" && ./configure >configure.log 2>&1 && make -j2 t/io_uring >make.log 2>&1) \
    || { echo "t/io_uring build failed: see $dir/configure.log and $dir/make.log" >&2; exit 1; }
echo "$dir/t/io_uring"
