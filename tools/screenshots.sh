#!/usr/bin/env bash
# Regenerates the status page's screenshots in docs/img/ (shown in README.md): runs
# `emcd demo` on a free loopback port with a temporary data directory, lets it measure
# for a while (SETTLE seconds, default 60) so that the demo's failures show, then takes
# PNGs with headless Chromium (Debian package `chromium`) and saves two badges.
# Nothing leaves 127.0.0.1: Chromium resolves no other host.
#
# Usage: tools/screenshots.sh [EMCD_BINARY]   (default target/debug/emcd; `cargo build`)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/emcd}")
chromium=${CHROMIUM:-/usr/bin/chromium}
settle=${SETTLE:-60}
out=docs/img
[ -x "$bin" ] || { echo "no emcd binary at $bin: run 'cargo build'" >&2; exit 1; }
[ -x "$chromium" ] || { echo "no chromium at $chromium: apt-get install -y chromium" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" demo --listen "127.0.0.1:$port" --data-dir "$work/demo" >"$work/demo.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  if python3 -c "import urllib.request; urllib.request.urlopen('$base/readyz', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/demo.log" >&2; exit 1; }
  sleep 0.1
done
echo "== demo on $base; measuring for $settle s"
sleep "$settle"

mkdir -p "$out"
shot() { # NAME WIDTH HEIGHT PATH
  timeout --kill-after=5 90 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --no-default-browser-check --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --hide-scrollbars \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
    --user-data-dir="$work/profile" --window-size="$2,$3" \
    --screenshot="$out/$1.png" "$base$4" 2>/dev/null
  echo "$out/$1.png"
}
shot index-vi-desktop 1280 1800 "/?lang=vi"
shot index-vi-phone 412 1800 "/?lang=vi"
shot agency-vi-phone 412 2400 "/agencies/dien-bien?lang=vi"
shot agency-en-desktop 1280 1800 "/agencies/lai-chau?lang=en"
for badge in bo-tu-phap lai-chau; do
  python3 -c "import urllib.request, sys; sys.stdout.buffer.write(urllib.request.urlopen('$base/badge/$badge.svg?lang=vi').read())" >"$out/badge-$badge.svg"
  echo "$out/badge-$badge.svg"
done
