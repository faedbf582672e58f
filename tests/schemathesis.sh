#!/usr/bin/env bash
# Fuzzes a running `emcd run` from its own OpenAPI document with Schemathesis (PyPI
# `schemathesis`): every operation, every check (no 5xx, status codes, content types,
# headers and bodies conforming to the schema, bad input rejected, good input accepted).
#
# Usage: tests/schemathesis.sh [EMCD_BINARY]
#   EMCD_BINARY defaults to ${CARGO_TARGET_DIR:-target}/debug/emcd (built by `cargo test`).
#   ST_SEED (default fixed, so CI is reproducible) and ST_MAX_EXAMPLES tune the run.
#
# The daemon gets a temporary config on a free loopback port; its checks probe the
# daemon itself (/healthz over HTTP and its port over TCP), a closed loopback port, and
# a push check and an agency's indicators whose tokens Schemathesis is given, so
# nothing leaves 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-${CARGO_TARGET_DIR:-target}/debug/emcd}
# Absolute: the daemon is started from a temporary directory.
bin=$(realpath "$bin")
if ! command -v schemathesis >/dev/null 2>&1; then
  echo "schemathesis is not installed: pip install schemathesis (CI does, see .ci/run)" >&2
  exit 1
fi
if [ ! -x "$bin" ]; then
  echo "no emcd binary at $bin: run 'cargo build' (or pass its path)" >&2
  exit 1
fi

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
closed_port=$(free_port)
base="http://127.0.0.1:$port"
push_token="st-push-token-0123456789abcdef"
admin_token="st-admin-token-0123456789abcdef"
indicators_token="st-indicators-token-0123456789abcdef"
push_digest=$(printf '%s' "$push_token" | sha256sum | cut -d' ' -f1)
indicators_digest=$(printf '%s' "$indicators_token" | sha256sum | cut -d' ' -f1)

mkdir -p "$work/agencies"
cat >"$work/emcd.yaml" <<EOF
server:
  admin_token: "$admin_token"
storage:
  path: $work/emcd.db
defaults:
  interval: 1s
  timeout: 800ms
  failure_threshold: 2
  success_threshold: 1
include:
  - agencies/*.yaml
EOF
cat >"$work/agencies/bo-tu-phap.yaml" <<EOF
agency:
  id: bo-tu-phap
  code: BTP
  name: "Bộ Tư pháp <script>alert(1)</script>"
  kind: ministry
  indicators_token: "sha256:$indicators_digest"
systems:
  - id: ho-tich
    name: Hệ thống đăng ký hộ tịch
    kind: tthc
    checks:
      - id: portal
        http:
          url: $base/healthz
          headers: {Authorization: "Bearer not-shown"}
        expect:
          status: [200]
          body_contains: "ok"
      - id: port
        tcp: {host: 127.0.0.1, port: $port}
      - id: closed
        tcp: {host: 127.0.0.1, port: $closed_port}
  - id: heartbeat
    name: Heartbeat
    kind: other
    checks:
      - id: hb
        push:
          token: "sha256:$push_digest"
          max_silence: 10m
  - id: mot-cua
    name: Một cửa
    kind: tthc
    checks: []
EOF
cat >"$work/agencies/ha-noi.yaml" <<EOF
agency:
  id: ha-noi
  code: "01"
  name: Hà Nội
  kind: city
systems:
  - id: cong-dvc
    name: Cổng dịch vụ công
    kind: portal
    checks:
      - id: trang-chu
        http: {url: "$base/readyz"}
EOF
# Per-operation settings: the tokens for push, indicators and reload, so Schemathesis
# reaches past authentication. Every route answers 405 with an `Allow` header.
# Every check is on (`checks.enabled`); `--checks all` on the command line would
# override the per-operation settings below.
cat >"$work/schemathesis.toml" <<EOF
[cache]
enabled = false

[checks]
enabled = true

[[operations]]
include-path = "/api/v1/push/{agency}/{system}/{check}"
headers = { Authorization = "Bearer $push_token" }
# Pushes are rate-limited per check (docs/limits.md): past the burst a valid push is
# answered 429 with Retry-After, as documented.
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "429"]

[[operations]]
include-path = "/api/v1/indicators/{agency}"
headers = { Authorization = "Bearer $indicators_token" }
# A body the schema admits may still break a rule JSON Schema cannot state: on time +
# late, online or paid online above received, a month in the future, a system that is
# not one of the agency's procedure systems, a system twice. Those are the documented
# 400, naming the field (random counts break them most of the time, so Schemathesis
# warns that the operation mostly rejects generated data: expected); 403 is an agency
# without indicators_token, 429 the push rate limit, as for push checks.
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "429"]

[[operations]]
include-path = "/-/reload"
headers = { Authorization = "Bearer $admin_token" }

# Ad-hoc maintenance: a body the schema admits may break a rule JSON Schema cannot
# state (ends_at after starts_at and not past, at most 31 days, a blank reason, ids of
# the config): the documented 400, naming the field. An id never declared is 404.
[[operations]]
include-path = "/api/v1/maintenance"
headers = { Authorization = "Bearer $admin_token" }
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404"]

[[operations]]
include-path = "/api/v1/maintenance/{id}"
headers = { Authorization = "Bearer $admin_token" }
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404"]

EOF

echo "== starting $bin on $base"
(cd "$work" && exec "$bin" run --config "$work/emcd.yaml" --listen "127.0.0.1:$port" >"$work/emcd.log" 2>&1) &
pid=$!
ready=0
for _ in $(seq 1 200); do
  if python3 -c "import urllib.request, sys; urllib.request.urlopen('$base/readyz', timeout=1)" 2>/dev/null; then
    ready=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ "$ready" != 1 ]; then
  echo "emcd did not become ready; its log:" >&2
  cat "$work/emcd.log" >&2
  exit 1
fi

echo "== schemathesis $(schemathesis --version | awk '{print $NF}') against $base/api/v1/openapi.json"
# One worker: Python 3.11's ast module is not thread-safe under Hypothesis' lambda
# introspection ("AST constructor recursion depth mismatch").
status=0
(cd "$work" && timeout --kill-after=10 300 schemathesis --config-file "$work/schemathesis.toml" \
  run "$base/api/v1/openapi.json" \
  --workers 1 \
  --max-examples "${ST_MAX_EXAMPLES:-100}" \
  --seed "${ST_SEED:-20261101}" \
  --generation-database none \
  --request-timeout 10 \
  --no-color) 2>&1 | tee "$work/schemathesis.log" || status=$?

echo "== stopping emcd"
kill -TERM "$pid"
stopped=0
for _ in $(seq 1 200); do
  if ! kill -0 "$pid" 2>/dev/null; then
    stopped=1
    break
  fi
  sleep 0.1
done
emcd_status=0
wait "$pid" || emcd_status=$?
pid=
if [ "$stopped" != 1 ] || [ "$emcd_status" != 0 ]; then
  echo "emcd did not stop cleanly (exit $emcd_status); its log:" >&2
  tail -50 "$work/emcd.log" >&2
  status=1
fi
# A closing line CI reads: test cases passed and failures found.
passed=$(grep -oE '[0-9]+ passed' "$work/schemathesis.log" | tail -1 | cut -d" " -f1 || true)
failed=$(grep -oE '[0-9]+ found [0-9]+ unique failures?' "$work/schemathesis.log" | tail -1 | cut -d" " -f1 || true)
if [ "$status" != 0 ]; then
  grep -iE "panic|error" "$work/emcd.log" | tail -20 >&2 || true
  echo "schemathesis: ${passed:-0} passed, ${failed:-1} failed"
  exit "$status"
fi
echo "schemathesis: ${passed:-0} passed, 0 failed"
