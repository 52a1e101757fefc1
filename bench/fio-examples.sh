#!/usr/bin/env bash
# Issue 11's closing measurement: fio's own examples/ run as a new user would, under fio and
# under pinio, on a RAM-backed loop device and a tmpfs directory; prints per example whether
# each tool ran it, whether the jobs both ran agree, the counts, and a ranking of the options
# and engines pinio refused. Needs root (losetup, mount).
#
#   bench/fio-examples.sh                                # every examples/*.fio
#   FIO_EXAMPLES=~/fio/examples bench/fio-examples.sh rand-zones.fio null.fio
#
# FIO_EXAMPLES: a directory of fio's example job files. Default: extracted from a mirror of
# fio's repository (FIO_REPO, a bare git directory) into a temp dir. fio's files are not in
# this repository (their licence); get them with `git clone https://github.com/axboe/fio`.
# Each file is rewritten (bench/fio-examples.py rewrite; the rewrites are listed in
# $OUT/<example>.rewrites): /dev/* names (but /dev/null, /dev/zero) -> the loop device;
# other absolute file names and directory= -> the tmpfs directory, where both tools run;
# a [global] runtime=$RUNTIME first and every runtime= set to it; startdelay and ramp_time 0;
# sizes above $CAP capped to it. Each run gets $TIMEOUT seconds; a run that takes longer
# counts as not run (exit 124; 137 when it had to be killed). The table and counts are also in
# $OUT/summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNTIME="${RUNTIME:-1}"
TIMEOUT="${TIMEOUT:-20}"
CAP="${CAP:-64m}"
DEV_SIZE="${DEV_SIZE:-1g}"
TMPFS_SIZE="${TMPFS_SIZE:-3g}"
FIO_REPO="${FIO_REPO:-/work/.mirror/axboe+fio/repo}"
OUT="${OUT:-bench/out/fio-examples-$(date +%Y%m%d-%H%M%S)}"
PINIO="${PINIO:-src/PinIo.Cli/bin/Release/net10.0/pinio}"

if [[ $(id -u) -ne 0 ]]; then echo "fio-examples.sh: needs root (losetup, mount -t tmpfs)" >&2; exit 2; fi
work=$(mktemp -d /tmp/pinio-fio-examples.XXXXXX)
img=/dev/shm/pinio-fio-examples-$$.img
loop=""
# fio's job processes start sessions of their own: timeout's kill of the group misses them.
# Whatever still runs in the tmpfs directory when a run ends is one of the run's processes.
reap() {
    local p
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/cwd" 2>/dev/null) == "$work/dir"* ]] && kill -9 "${p#/proc/}" 2>/dev/null
    done
    return 0
}
cleanup() {
    reap; sleep 1
    mountpoint -q "$work/dir" && umount "$work/dir"
    [[ -n "$loop" ]] && losetup -d "$loop"
    rm -rf "$work" "$img"
}
trap cleanup EXIT

if [[ -z "${FIO_EXAMPLES:-}" ]]; then
    if git --git-dir="$FIO_REPO" rev-parse -q --verify HEAD >/dev/null 2>&1; then
        git --git-dir="$FIO_REPO" archive HEAD examples | tar -x -C "$work"
        FIO_EXAMPLES="$work/examples"
        echo "fio's examples from $FIO_REPO at $(git --git-dir="$FIO_REPO" rev-parse --short HEAD)" >&2
    else
        echo "fio-examples.sh: no fio examples: set FIO_EXAMPLES=DIR (git clone https://github.com/axboe/fio; DIR=fio/examples) or FIO_REPO=<fio's git dir>" >&2
        exit 2
    fi
fi
FIO_EXAMPLES=$(cd "$FIO_EXAMPLES" && pwd)

if ! command -v fio >/dev/null 2>&1; then apt-get update -qq && apt-get install -y -qq fio >/dev/null; fi
if [[ -z "${PINIO_BUILT:-}" ]]; then dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null || exit 1; fi
PINIO=$(realpath "$PINIO")

mkdir -p "$OUT" "$work/dir" "$work/jobs"
OUT=$(realpath "$OUT")
truncate -s "$DEV_SIZE" "$img"
loop=$(losetup -f --show --direct-io=on "$img")
mount -t tmpfs -o size="$TMPFS_SIZE" pinio-fio-examples "$work/dir"
dir="$work/dir"
# The variables fio's examples document, set as their comments tell a user to.
export FIO_DIR="$dir" FIO_BS=4k FIO_IODEPTH=8 FIO_RW=randread
cap=$(numfmt --from=iec "${CAP^^}")
echo "device $loop ($DEV_SIZE in /dev/shm), directory $dir (tmpfs $TMPFS_SIZE), runtime ${RUNTIME}s, sizes capped at $CAP, timeout ${TIMEOUT}s; $(fio --version), pinio $PINIO; results in $OUT" | tee "$OUT/settings.txt" >&2

examples=("$@")
if [[ ${#examples[@]} -eq 0 ]]; then
    mapfile -t examples < <(cd "$FIO_EXAMPLES" && ls -1 -- *.fio)
fi

mkdir -p "$OUT/examples"
"$PINIO" --help > "$OUT/pinio-help.txt" 2>&1
for example in "${examples[@]}"; do
    cp "$FIO_EXAMPLES/$(basename "$example")" "$OUT/examples/"
    name=$(basename "$example" .fio)
    job="$work/jobs/$name.fio"
    python3 bench/fio-examples.py rewrite "$FIO_EXAMPLES/$(basename "$example")" "$job" \
        --device "$loop" --dir "$dir" --runtime "$RUNTIME" --cap "$cap" > "$OUT/$name.rewrites"
    for tool in fio pinio; do
        cmd=fio
        [[ $tool == pinio ]] && cmd="$PINIO"
        find "$dir" -mindepth 1 -delete
        (cd "$dir" && timeout -k 5 "$TIMEOUT" "$cmd" --output-format=json --output="$OUT/$name.$tool.json" "$job" \
            > "$OUT/$name.$tool.out" 2> "$OUT/$name.$tool.err" < /dev/null)
        echo $? > "$OUT/$name.$tool.rc"
        reap
        printf '%-40s %-5s exit %s\n' "$name" "$tool" "$(cat "$OUT/$name.$tool.rc")" >&2
    done
done
python3 bench/fio-examples.py report "$OUT" "$RUNTIME" | tee "$OUT/summary.txt"
