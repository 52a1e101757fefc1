#!/usr/bin/env bash
# Many jobs (issue 8, item 10): how long pinio takes to start N jobs, and how long a Ctrl-C
# (SIGINT) takes to end a run of N jobs with the report of what ran. Prints one line per
# measurement; timing lives here, never in the tests.
#
#   bench/many-jobs.sh                       # N = 100 400 800 1000, ROUNDS=3
#   JOBS="1000" ROUNDS=5 bench/many-jobs.sh
#   DLL=/path/to/PinIo.Cli.dll bench/many-jobs.sh   # another build (an older commit, say)
#
# start-up: from launching the process to the main phase of the last job to start (the
# job_start of fio's JSON, taken from each job's own clock), with `--runtime=1 --time_based`
# on one 64 MiB RAM disk shared by all jobs; "first" is the first job's start, "wall" the whole
# run (1 s of I/O included), "report" when the report was written.
# Ctrl-C: SIGINT sent once every job has started (start-up + 1 s), then the time until the
# process exits, its exit status (fio's is 128) and how many job reports it printed.
set -euo pipefail

cd "$(dirname "$0")/.."
JOBS=${JOBS:-"100 400 800 1000"}
ROUNDS=${ROUNDS:-3}
DLL=${DLL:-src/PinIo.Cli/bin/Release/net10.0/PinIo.Cli.dll}
TARGET=${TARGET:-ram:64m}
OUT=$(mktemp -d /tmp/pinio-many-jobs.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

if [[ "$DLL" == src/PinIo.Cli/bin/Release/* ]]; then
    dotnet build -c Release src/PinIo.Cli -v quiet -nologo >/dev/null
fi
command -v python3 >/dev/null || { echo "many-jobs.sh needs python3" >&2; exit 1; }

job_args() {
    echo "--name=x --filename=$TARGET --rw=randread --numjobs=$1 --time_based"
}

echo "pinio many jobs: $(nproc) CPUs, target $TARGET, $DLL"
for n in $JOBS; do
    for round in $(seq "$ROUNDS"); do
        start_ms=$(date +%s%3N)
        # shellcheck disable=SC2046
        dotnet "$DLL" $(job_args "$n") --runtime=1 --output-format=json >"$OUT/run.json"
        end_ms=$(date +%s%3N)
        python3 - "$OUT/run.json" "$start_ms" "$end_ms" "$n" "$round" <<'EOF'
import json, sys
path, start, end, n, rnd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
report = json.load(open(path))
starts = [j["job_start"] for j in report["jobs"]]
print(f"start-up  N={n:>4} round {rnd}: all {len(starts)} jobs started in {(max(starts) - start) / 1000:.2f} s "
      f"(first {(min(starts) - start) / 1000:.2f} s), report {(report['timestamp_ms'] - start) / 1000:.2f} s, "
      f"wall {(end - start) / 1000:.2f} s for 1 s of I/O")
EOF
    done
done

for n in $JOBS; do
    for round in $(seq "$ROUNDS"); do
        # shellcheck disable=SC2046
        python3 - "$OUT/int.txt" "$DLL" $(job_args "$n") --runtime=60 <<'EOF'
import re, signal, subprocess, sys, time
out, dll, args = sys.argv[1], sys.argv[2], sys.argv[3:]
n = int(re.search(r"--numjobs=(\d+)", " ".join(args)).group(1))
with open(out, "w") as stdout:
    # SIGINT at its default disposition, whatever this shell was given.
    p = subprocess.Popen(["dotnet", dll, *args], stdout=stdout, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    launched = time.monotonic()
    # Wait for the job list (the handlers are in place once it is printed), then until the jobs run.
    while open(out).read().count("\n") == 0 and p.poll() is None:
        time.sleep(0.01)
    time.sleep(max(0.0, 1.0 + 0.002 * n - (time.monotonic() - launched)))
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate()
    ended = time.monotonic()
reports = open(out).read().count("(groupid=")
print(f"Ctrl-C    N={n:>4}: SIGINT {sent - launched:.2f} s after launch, exit {p.returncode} "
      f"{ended - sent:.2f} s later, {reports} job reports")
EOF
    done
done
