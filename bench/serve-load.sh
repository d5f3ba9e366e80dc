#!/bin/bash
# Bounded load on `auditdeck serve` over loopback: 50 SSH dashboard sessions
# paging and filtering plus 200 API requests per second for 60 s.
# Usage: bench/serve-load.sh [EVENTS] (default 1000000). Not run in CI.
set -euo pipefail
EVENTS=${1:-1000000}
cd "$(dirname "$0")/.."
W=$(mktemp -d /tmp/auditdeck-load-XXXX)
trap 'kill $SERVE 2>/dev/null || true; rm -rf "$W"' EXIT
go build -o "$W/auditdeck" ./cmd/auditdeck
go build -o "$W/serveload" ./bench/serveload
"$W/auditdeck" gen --events "$EVENTS" --seed 1 --out "$W/events.ndjson"
"$W/auditdeck" ingest --no-progress --data "$W/data" "$W/events.ndjson"
ssh-keygen -q -t ed25519 -N '' -f "$W/key"
printf 'users:\n  - name: load\n    role: operator\n    keys: ["%s"]\n' "$(cat "$W/key.pub")" > "$W/users.yaml"
HTTP=127.0.0.1:18080 SSH=127.0.0.1:12222
"$W/auditdeck" serve --data "$W/data" --users "$W/users.yaml" --http $HTTP --ssh $SSH \
  --ssh-rate 1000 --max-sessions 100 2> "$W/serve.log" &
SERVE=$!
for _ in $(seq 100); do [ -S "$W/data/serve.sock" ] && break; sleep 0.1; done
TOKEN=$("$W/auditdeck" token create --data "$W/data" --user load | tail -1)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $EVENTS events"
"$W/serveload" -ssh $SSH -http "http://$HTTP" -key "$W/key" -token "$TOKEN" -sessions 50 -rate 200 -duration 60s -pid $SERVE
grep -c 'level=ERROR' "$W/serve.log" | sed 's/^/serve log errors: /' || true
