#!/usr/bin/env bash
# Headless comparison: wall time of `modterm queue --json` (default unanswered view, every
# topic of it) against benches/pydiscourse/unanswered.py, which asks the same requests with
# pydiscourse, both against one embedded sandbox, as mod_anna, N runs each, interleaved.
# Prints median and min per side and the ratio python/modterm. Run setup.sh first.
# `cargo test` does not need this (nor pydiscourse). Uses bash, python3 and coreutils only.
#
#   BIN=target/release/modterm N=10 benches/pydiscourse/compare.sh
#
# The sandbox's rate limits are all off (--rate-limit 0 and the rest), so neither side is
# throttled by the server. modterm's own governor (60 requests a minute for an admin key) is
# per process; one run sends far fewer (checked below), so it never waits either.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BIN:-$ROOT/target/release/modterm}
N=${N:-10}
PY=$HERE/.venv/bin/python
[[ -x $BIN ]] || { echo "compare.sh: no modterm at $BIN (set BIN=...)" >&2; exit 2; }
[[ -x $PY ]] || { echo "compare.sh: run $HERE/setup.sh first" >&2; exit 2; }

TMP=$(mktemp -d)
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export MODTERM_URL=http://127.0.0.1:$PORT MODTERM_USERNAME=mod_anna MODTERM_API_KEY=bench-$RANDOM$RANDOM
# modterm's config, data and log files go to the scratch directory, not the user's.
export MODTERM_CONFIG_DIR=$TMP/config MODTERM_DATA_DIR=$TMP/data
mkdir -p "$MODTERM_CONFIG_DIR" "$MODTERM_DATA_DIR"

"$BIN" sandbox serve --addr "127.0.0.1:$PORT" --db "$TMP/sandbox.db" --api-key "$MODTERM_API_KEY" \
    --rate-limit 0 --user-key-rate-limit 0 --user-key-daily-limit 0 --ip-rate-limit 0 \
    --ip-burst-limit 0 --request-log "$TMP/requests.jsonl" >"$TMP/sandbox.out" 2>&1 &
SANDBOX=$!
trap 'kill "$SANDBOX" 2>/dev/null; wait "$SANDBOX" 2>/dev/null; rm -rf "$TMP"' EXIT

python3 - <<'PY' || { cat "$TMP/sandbox.out" >&2; exit 7; }
import os, time, urllib.request
req = urllib.request.Request(os.environ["MODTERM_URL"] + "/latest.json", headers={
    "Api-Key": os.environ["MODTERM_API_KEY"], "Api-Username": os.environ["MODTERM_USERNAME"]})
for _ in range(300):
    try:
        urllib.request.urlopen(req, timeout=1).read(); break
    except OSError:
        time.sleep(0.1)
else:
    raise SystemExit("compare.sh: the sandbox did not answer within 30 s")
PY

run_modterm() { "$BIN" queue --json; }
run_python() { "$PY" "$HERE/unanswered.py" "$MODTERM_URL" "$MODTERM_USERNAME"; }
ids() { python3 -c 'import json,sys; print("\n".join(str(t["id"]) for t in json.load(sys.stdin)))' <"$1"; }
requests_since() { tail -n +"$(($1 + 1))" "$TMP/requests.jsonl" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l); print(r["method"], r["path"], r["query"], r["status"])'; }
lines() { wc -l <"$TMP/requests.jsonl"; }

# One untimed run of each: same topics, same requests?
mark=$(lines); run_modterm >"$TMP/m.json"; requests_since "$mark" >"$TMP/m.req"
mark=$(lines); run_python >"$TMP/p.json"; requests_since "$mark" >"$TMP/p.req"
ids "$TMP/m.json" >"$TMP/m.ids"; ids "$TMP/p.json" >"$TMP/p.ids"
if ! cmp -s "$TMP/m.ids" "$TMP/p.ids" || [[ ! -s $TMP/m.ids ]]; then
    echo "compare.sh: FAIL: the two listings differ (or are empty):" >&2
    diff "$TMP/m.ids" "$TMP/p.ids" | head -20 >&2; exit 1
fi
if ! cmp -s "$TMP/m.req" "$TMP/p.req"; then
    echo "compare.sh: FAIL: the two sides sent different requests:" >&2
    diff "$TMP/m.req" "$TMP/p.req" | head -20 >&2; exit 1
fi
REQS=$(wc -l <"$TMP/m.req")
(( REQS < 60 )) || echo "compare.sh: warning: $REQS requests a run; modterm's own governor (60/min) may pace it" >&2
echo "listing: $(wc -l <"$TMP/m.ids") topics, $REQS requests a run (identical on both sides)"

# N timed runs each, interleaved, alternating which side goes first; every output checked.
: >"$TMP/times"
for ((i = 0; i < N; i++)); do
    sides=(modterm python); (( i % 2 )) && sides=(python modterm)
    for side in "${sides[@]}"; do
        t0=$(date +%s%N); "run_$side" >"$TMP/out.json"; t1=$(date +%s%N)
        ids "$TMP/out.json" >"$TMP/out.ids"
        cmp -s "$TMP/out.ids" "$TMP/m.ids" || { echo "compare.sh: FAIL: $side run $i listed other topics" >&2; exit 1; }
        echo "$side $(( (t1 - t0) / 1000 ))" >>"$TMP/times"
    done
done

echo "modterm: $BIN   runs: $N each"
python3 - "$TMP/times" <<'PY'
import statistics, sys
t = {"modterm": [], "python": []}
for line in open(sys.argv[1]):
    side, us = line.split(); t[side].append(int(us) / 1000)
med = {s: statistics.median(v) for s, v in t.items()}; low = {s: min(v) for s, v in t.items()}
print(f"{'side':<10}{'median ms':>12}{'min ms':>10}")
for s in t:
    print(f"{s:<10}{med[s]:>12.1f}{low[s]:>10.1f}")
print(f"{'ratio':<10}{med['python'] / med['modterm']:>11.2f}x{low['python'] / low['modterm']:>9.2f}x   (python / modterm)")
PY
