#!/usr/bin/env bash
# SIGKILL durability: ROUNDS times, start a writer (PinIo.Bench durability-writer: batches of
# random 4 KiB blocks written with O_DIRECT through DirectFile's io_uring engine, then a flush,
# then one line per block appended to an acknowledgement log), kill it with SIGKILL at a random
# moment, and check (durability-check) that every block acknowledged as flushed reads back as
# that write or a later one, whole. Prints rounds, blocks checked, lost, torn; exit 1 on any loss.
#
#   bench/sigkill-durability.sh               # ROUNDS=40
#   ROUNDS=10 DIR=/dev/shm bench/sigkill-durability.sh
#
# Environment: ROUNDS (40), DIR for the data file (/var/tmp; O_DIRECT must work there),
# BLOCKS (2048 blocks of BS=4096 bytes), BATCH (16 writes per flush), MIN_MS/MAX_MS (the kill
# comes this long after the writer acknowledged its first batch: 50..1500).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROUNDS="${ROUNDS:-40}"
DIR="${DIR:-/var/tmp}"
BLOCKS="${BLOCKS:-2048}"
BS="${BS:-4096}"
BATCH="${BATCH:-16}"
MIN_MS="${MIN_MS:-50}"
MAX_MS="${MAX_MS:-1500}"
DATA="$DIR/pinio-sigkill-$$.dat"
ACK="$DIR/pinio-sigkill-$$.ack"
trap 'rm -f "$DATA" "$ACK"' EXIT

dotnet build "$HERE/PinIo.Bench" -c Release -v q -nologo >/dev/null
BENCH="$HERE/PinIo.Bench/bin/Release/net10.0/PinIo.Bench.dll"
ARGS=(--file="$DATA" --ack="$ACK" --bs="$BS" --blocks="$BLOCKS")

checked=0 lost=0 torn=0 acked=0
for ((round = 1; round <= ROUNDS; round++)); do
    rm -f "$DATA" "$ACK"
    dotnet "$BENCH" durability-writer "${ARGS[@]}" --batch="$BATCH" --seed="$round" &
    writer=$!
    # Wait for the first acknowledged batch, so that every round checks something.
    for _ in $(seq 1 200); do
        [[ -s "$ACK" ]] && break
        kill -0 "$writer" 2>/dev/null || break
        sleep 0.05
    done
    delay_ms=$((MIN_MS + RANDOM % (MAX_MS - MIN_MS + 1)))
    sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
    kill -KILL "$writer" 2>/dev/null || { echo "round $round: the writer had already stopped" >&2; exit 1; }
    wait "$writer" 2>/dev/null || true
    line="$(dotnet "$BENCH" durability-check "${ARGS[@]}")" || true
    read -r _ c _ l _ t _ a <<<"$line"
    checked=$((checked + c)); lost=$((lost + l)); torn=$((torn + t)); acked=$((acked + a))
    printf 'round %2d: killed after %4d ms: %s\n' "$round" "$delay_ms" "$line"
done
echo "rounds $ROUNDS, acknowledged writes $acked, blocks checked $checked, lost $lost, torn $torn"
[[ $lost -eq 0 && $torn -eq 0 ]]
