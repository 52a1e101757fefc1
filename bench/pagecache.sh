#!/usr/bin/env bash
# Issue 10's page cache, measured against the kernel's: each round runs every case for pinio
# (a Volume file with direct=0) and for fio (--direct=0, the kernel's page cache) back to back,
# alternating which goes first, RUNS rounds; prints medians, per-round ratios pinio/fio and
# PASS/MISS against the issue's targets.
#
#   bench/pagecache.sh                       # RUNS=5 RUNTIME=5, about 10 minutes as root
#   RUNS=3 RUNTIME=2 CASES="hot stable" bench/pagecache.sh
#
# Cases:
#   hot    4 KiB random buffered reads (psync, depth 1) of a HOTSIZE file whose pages are all
#          cached (a sequential warm-up job first; the measured job has invalidate=0):
#          pinio on volram:DEV:hot (volume_cache larger than the file) vs fio on a file on the
#          root file system (ext4), warmed the same way. Target >= 1.0x IOPS; pinio's hit rate
#          (>= 90%) and both clat p50/p99 (the cache hit latency) are printed.
#   cold   buffered sequential read (128 KiB, psync) of a COLDSIZE file, cache dropped first:
#          pinio on vol:/dev/loopA:cold (invalidate=1; a RAM-backed loop device, direct-io=on;
#          ioengine=COLD_ENGINE, default io_uring, iodepth=1)
#          vs fio on ext4 on a second RAM-backed loop device after `echo 3 > drop_caches`.
#          Target >= 0.9x bandwidth (read-ahead at work). Root only (losetup).
#   write  writeback throughput: buffered sequential 128 KiB writes of WRITESIZE with
#          end_fsync=1 (the flush counted in the job's time): pinio on volram vs fio on ext4
#          on the loop device (root; else on the root file system). Reported, no target.
#   hitlat PinIo.Bench pagecache-hot: the same 4 KiB random reads of a fully cached HOTSIZE file
#          as ReadBufferedAsync calls in a loop, each timed, without pinio around them: the
#          cache hit latency p50/p99/p99.9 of the library alone, and its reads per second.
#   stable PinIo.Bench pagecache-stable: Direct I/O reads into mapped page-cache memory while
#          writeback runs in a loop: the stable copies writeback made of pinned pages, and the
#          bytes lost or torn at the end (must be 0).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
RUNTIME="${RUNTIME:-5}"
HOTSIZE="${HOTSIZE:-256m}"
COLDSIZE="${COLDSIZE:-1g}"
WRITESIZE="${WRITESIZE:-512m}"
# pinio's ioengine also picks how the Volume reaches the loop device under its cache: io_uring
# (at iodepth=1 the job still reads one block at a time) is the kernel's asynchronous block layer
# under fio's psync; psync makes every read-ahead fill a synchronous pread.
COLD_ENGINE="${COLD_ENGINE:-io_uring}"
if [[ $(id -u) -eq 0 ]] && command -v losetup >/dev/null 2>&1; then CASES="${CASES:-hot hitlat cold write stable}"; else CASES="${CASES:-hot hitlat write stable}"; fi
OUT="${OUT:-bench/out/pagecache-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

command -v fio >/dev/null || { apt-get update >/dev/null && apt-get install -y fio >/dev/null; }
dotnet build -c Release src/PinIo.Cli -v q -nologo >/dev/null
dotnet build -c Release bench/PinIo.Bench -v q -nologo >/dev/null
PINIO=src/PinIo.Cli/bin/Release/net10.0/pinio
BENCH=bench/PinIo.Bench/bin/Release/net10.0/PinIo.Bench
FIOFILE=/var/tmp/pinio-pagecache-hot.dat

loopvol="" loopext="" mnt=""
cleanup() {
    if [[ -n "$mnt" ]]; then umount "$mnt" || true; rmdir "$mnt" || true; fi
    for l in $loopvol $loopext; do losetup -d "$l" || true; done
    rm -f /dev/shm/pinio-pc-vol.img /dev/shm/pinio-pc-ext4.img
}
trap cleanup EXIT

if [[ " $CASES " == *" cold "* || ( " $CASES " == *" write "* && $(id -u) -eq 0 ) ]]; then
    # The Volume's image reads as zeroes, so the first pinio run formats it; later runs mount it.
    truncate -s 0 /dev/shm/pinio-pc-vol.img; truncate -s 1600m /dev/shm/pinio-pc-vol.img
    truncate -s 0 /dev/shm/pinio-pc-ext4.img; truncate -s 2200m /dev/shm/pinio-pc-ext4.img
    loopvol=$(losetup -f --show --direct-io=on /dev/shm/pinio-pc-vol.img)
    loopext=$(losetup -f --show --direct-io=on /dev/shm/pinio-pc-ext4.img)
    # No lazy inode-table or journal init: ext4lazyinit would write behind fio's reads for minutes.
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$loopext"
    mnt=$(mktemp -d /tmp/pinio-pc-mnt.XXXX)
    mount "$loopext" "$mnt"
    fio --name=make --filename="$mnt/cold.dat" --size="$COLDSIZE" --rw=write --bs=1m --direct=1 --output=/dev/null
    # One unmeasured cold read first: fio's first read of the new file runs at 230-470 MiB/s
    # (ext4's first look at the file's extents on a just-made file system), its later ones at
    # 2-4 GB/s; that first round once counted as a 6-7x "ratio" in the median.
    sync; echo 3 > /proc/sys/vm/drop_caches
    fio --name=warm --filename="$mnt/cold.dat" --size="$COLDSIZE" --rw=read --bs=128k --direct=0 --output=/dev/null
fi
if [[ " $CASES " == *" hot "* && ! -f $FIOFILE ]]; then
    fio --name=make --filename="$FIOFILE" --size="$HOTSIZE" --rw=write --bs=1m --direct=1 --output=/dev/null
fi

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# run ROUND CASE ENGINE: one measurement, its JSON in $OUT/CASE-ENGINE-ROUND.json.
run() {
    local round=$1 case=$2 engine=$3 out="$OUT/$2-$3-$1.json"
    case $case-$engine in
        hot-pinio)
            $PINIO --output-format=json --output="$out" --ioengine=psync --direct=0 --filename=volram:512m:hot \
                --size="$HOTSIZE" --volume_cache=384m \
                --name=warm --rw=read --bs=128k \
                --name=measured --stonewall --invalidate=0 --rw=randread --bs=4k --norandommap --randrepeat=0 --time_based --runtime="$RUNTIME" ;;
        hot-fio)
            fio --output-format=json --output="$out" --ioengine=psync --direct=0 --filename="$FIOFILE" --size="$HOTSIZE" --invalidate=0 \
                --name=warm --rw=read --bs=128k \
                --name=measured --stonewall --rw=randread --bs=4k --norandommap --randrepeat=0 --time_based --runtime="$RUNTIME" ;;
        cold-pinio)
            $PINIO --output-format=json --output="$out" --name=measured --ioengine="$COLD_ENGINE" --iodepth=1 --direct=0 --invalidate=1 \
                --filename="vol:$loopvol:cold" --size="$COLDSIZE" --rw=read --bs=128k ;;
        cold-fio)
            drop_caches
            fio --output-format=json --output="$out" --name=measured --ioengine=psync --direct=0 --invalidate=1 \
                --filename="$mnt/cold.dat" --size="$COLDSIZE" --rw=read --bs=128k ;;
        write-pinio)
            $PINIO --output-format=json --output="$out" --name=measured --ioengine=psync --direct=0 --end_fsync=1 \
                --filename=volram:1g:write --size="$WRITESIZE" --volume_cache=640m --rw=write --bs=128k ;;
        write-fio)
            local dir=${mnt:-/var/tmp}
            rm -f "$dir/write.dat"
            fio --output-format=json --output="$out" --name=measured --ioengine=psync --direct=0 --end_fsync=1 \
                --filename="$dir/write.dat" --size="$WRITESIZE" --rw=write --bs=128k
            rm -f "$dir/write.dat" ;;
        stable-pinio)
            $BENCH pagecache-stable --mib=16 --chunk=1048576 --passes=64 > "$out" ;;
        stable-fio) ;;
        hitlat-pinio)
            $BENCH pagecache-hot --mib=$(( $(numfmt --from=iec "${HOTSIZE^^}") >> 20 )) --seconds="$RUNTIME" > "$out" ;;
        hitlat-fio) ;;
    esac
}

echo "pagecache.sh: RUNS=$RUNS RUNTIME=$RUNTIME CASES=\"$CASES\" HOTSIZE=$HOTSIZE COLDSIZE=$COLDSIZE WRITESIZE=$WRITESIZE, $(nproc) CPUs, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$RUNS"); do
    for case in $CASES; do
        # Alternate which engine goes first, so drift on a shared machine hits both alike.
        if (( round % 2 )); then order="pinio fio"; else order="fio pinio"; fi
        for engine in $order; do run "$round" "$case" "$engine"; done
    done
    echo "round $round done (load $(cut -d' ' -f1-3 /proc/loadavg))"
done

python3 - "$OUT" "$RUNS" "$CASES" <<'EOF' | tee "$OUT/summary.txt"
import json, statistics, sys, os
out, runs, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()

def job(path):
    with open(path) as f:
        text = f.read()
    doc = json.loads(text[text.index('{'):])
    return next(j for j in doc["jobs"] if j["jobname"] == "measured")

def pct(d, p):
    return d["clat_ns"].get("percentile", {}).get(p, 0) / 1000.0

targets = {"hot": 1.0, "cold": 0.9}
for case in cases:
    if case == "hitlat":
        rows = [json.load(open(f"{out}/hitlat-pinio-{r}.json")) for r in range(1, runs + 1)]
        med = lambda k: statistics.median(r[k] for r in rows)
        print(f"hitlat: ReadBufferedAsync 4 KiB hits of a {rows[0]['mib']} MiB file, library alone: median {med('iops'):,.0f} reads/s, "
              f"p50 {med('p50_ns'):.0f} ns, p99 {med('p99_ns'):.0f} ns, p99.9 {med('p999_ns'):.0f} ns; hits {min(r['hit_percent'] for r in rows):.2f}%")
        print("  per round reads/s " + " ".join(f"{r['iops']:,}" for r in rows))
        continue
    if case == "stable":
        rows = [json.load(open(f"{out}/stable-pinio-{r}.json")) for r in range(1, runs + 1)]
        print(f"stable: Direct reads into mapped memory during writeback, {rows[0]['mib']} MiB x {rows[0]['passes']} passes of {rows[0]['chunk'] >> 10} KiB reads")
        print("  per round: stable_copies=" + ",".join(str(r["stable_copies"]) for r in rows)
              + " writeback_pages=" + ",".join(str(r["writeback_pages"]) for r in rows)
              + " bytes_lost_or_torn=" + ",".join(str(r["bytes_lost_or_torn"]) for r in rows))
        print(f"  median stable copies {statistics.median(r['stable_copies'] for r in rows):.0f}, lost or torn bytes in all rounds: {sum(r['bytes_lost_or_torn'] for r in rows)}")
        continue
    d = "write" if case == "write" else "read"
    p = [job(f"{out}/{case}-pinio-{r}.json") for r in range(1, runs + 1)]
    f = [job(f"{out}/{case}-fio-{r}.json") for r in range(1, runs + 1)]
    metric = "iops" if case == "hot" else "bw"
    pv = [j[d][metric] for j in p]
    fv = [j[d][metric] for j in f]
    ratios = [a / b if b else 0 for a, b in zip(pv, fv)]
    unit = "IOPS" if metric == "iops" else "MiB/s"
    scale = 1 if metric == "iops" else 1 / 1024
    # The verdict goes by the median of the per-round ratios: each pair ran back to back, so a
    # shared machine's drift between rounds cancels out of it.
    ratio = statistics.median(ratios)
    print(f"{case}: pinio median {statistics.median(pv) * scale:,.0f} {unit}, fio median {statistics.median(fv) * scale:,.0f} {unit}, "
          f"median of per-round ratios {ratio:.3f}x (ratio of medians {statistics.median(pv) / statistics.median(fv):.3f}x)")
    print("  per round: pinio " + " ".join(f"{v * scale:,.0f}" for v in pv) + f" {unit}; fio " + " ".join(f"{v * scale:,.0f}" for v in fv) + f" {unit}")
    print("  per-round ratios " + " ".join(f"{r:.2f}" for r in ratios)
          + (f"  target >= {targets[case]:.1f}x: {'PASS' if ratio >= targets[case] else 'MISS'}" if case in targets else ""))
    if case == "hot":
        hits = [j["pins"]["page_cache"]["hit_percent"] for j in p]
        print(f"  pinio cache hits {min(hits):.2f}%..{max(hits):.2f}% of lookups; clat p50/p99 pinio "
              f"{statistics.median(pct(j[d], '50.000000') for j in p):.2f}/{statistics.median(pct(j[d], '99.000000') for j in p):.2f} us, "
              f"fio {statistics.median(pct(j[d], '50.000000') for j in f):.2f}/{statistics.median(pct(j[d], '99.000000') for j in f):.2f} us")
    if case in ("cold", "write"):
        cache = [j["pins"].get("page_cache", {}) for j in p]
        key = "readahead_pages" if case == "cold" else "writeback_pages"
        print(f"  pinio {key} per round: " + ",".join(str(c.get(key, 0)) for c in cache))
EOF
echo "raw results in $OUT"
