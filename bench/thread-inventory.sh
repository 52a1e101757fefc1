#!/usr/bin/env bash
# Issue 12 (busy machine): which of a process's threads wake during a job, and how much CPU each
# takes. Starts the command, waits until a thread whose name holds "job" exists (pinio's job
# threads) plus 0.3 s, samples every thread's utime/stime and voluntary/involuntary context
# switches (/proc/PID/task/*/stat and status) at the start and the end of a SAMPLE-second
# window, and prints the threads that moved, with the CPU each last ran on.
#
#   PINIO_TARGET=/dev/zram0 PINIO_SIZE=2g PINIO_RUNTIME=4 SAMPLE=2 \
#       bench/thread-inventory.sh /tmp/inv src/PinIo.Cli/bin/Release/net10.0/pinio --output=/dev/null bench/jobs/randread-4k-qd32.fio
set -uo pipefail
out=$1; shift
"$@" & pid=$!
for _ in $(seq 1 200); do grep -qs "job" /proc/$pid/task/*/comm && break; sleep 0.05; done
sleep 0.3
snap() {
    for t in /proc/$pid/task/*; do
        n=$(tr ' ' '_' < "$t/comm"); s=($(sed 's/^.*) //' "$t/stat"))
        v=$(awk '/^voluntary_ctxt/ {print $2}' "$t/status"); nv=$(awk '/^nonvoluntary_ctxt/ {print $2}' "$t/status")
        echo "$(basename "$t") $n ${s[11]} ${s[12]} $v $nv ${s[36]}"
    done 2>/dev/null
}
snap > "$out.a"; t0=$(date +%s.%N)
sleep "${SAMPLE:-2}"
snap > "$out.b"; t1=$(date +%s.%N)
wait $pid
python3 - "$out" "$t0" "$t1" <<'PY'
import os, sys
out, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]); dt = t1 - t0
hz = os.sysconf('SC_CLK_TCK')
def read(path):
    d = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 7:
            d[f[0]] = (f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5]), f[6])
    return d
a, b = read(out + '.a'), read(out + '.b')
print(f"{'tid':>7} {'thread':<22} {'usr ms':>7} {'sys ms':>7} {'vol/s':>8} {'invol/s':>8} cpu")
for k, v in b.items():
    o = a.get(k, (v[0], 0, 0, 0, 0, ''))
    du, ds, dv, dn = v[1] - o[1], v[2] - o[2], v[3] - o[3], v[4] - o[4]
    if du or ds or dv or dn:
        print(f"{k:>7} {v[0]:<22} {du * 1000 // hz:>7} {ds * 1000 // hz:>7} {dv / dt:>8.0f} {dn / dt:>8.0f} {v[5]}")
print(f"threads: {len(b)} ({' '.join(sorted(x[0] for x in b.values()))}); window {dt:.2f}s")
PY
