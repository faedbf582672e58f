#!/usr/bin/env bash
# The performance harness, one command (docs/BENCHMARKS.md):
#
#   bench/run.sh --checks 5000 --interval 5 --seconds 30 [--repeat 3] [--peer yes|no|auto]
#   bench/run.sh --smoke            # about 2,000 checks for 20 s; what CI runs
#   bench/run.sh --checks 5000 --interval 5 --seconds 60 --repeat 3 --emcd-prometheus 15,5 --floor
#                                   # the whole stack (emcd + its Prometheus) and wrk's floor
#   python3 bench/growth.py         # cost at 1k..250k checks every 60 s: table + docs/img/growth.png
#   bench/run.sh --cluster --checks 5000 --interval 5 --seconds 30 [--vantages 1|3] [--repeat 3]
#                                   # three nodes on a private PostgreSQL (bench/cluster.py)
#
# Starts nginx (its own config, pid file and temp dirs, on a free 127.0.0.1 port), runs
# target/release/emcd against N loopback checks for a fixed window, then the same load
# through prometheus-blackbox-exporter scraped by a real prometheus, and prints one
# table with both and their ratios. Loopback only; every process it starts is stopped
# when it exits, however it exits. Needs: python3, nginx, and for the peer
# prometheus + prometheus-blackbox-exporter (Debian packages); --cluster needs postgresql.
set -euo pipefail
cd "$(dirname "$0")/.."

harness=
cleanup() {
  # The harness stops its children itself; this covers it being killed on the way.
  if [ -n "$harness" ] && kill -0 "$harness" 2>/dev/null; then
    kill -TERM "$harness" 2>/dev/null || true
    wait "$harness" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

script=bench/harness.py
if [ "${1:-}" = "--cluster" ]; then
  shift
  script=bench/cluster.py
fi
python3 "$script" "$@" &
harness=$!
wait "$harness"
