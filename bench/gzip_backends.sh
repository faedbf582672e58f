#!/usr/bin/env bash
# gzip level 1 of a saved /metrics page with flate2's two pure-Rust backends, miniz_oxide
# (what emcd uses) and zlib-rs (docs/BENCHMARKS.md, "The scrape in the steady state"):
#
#   python3 bench/scrape_cpu.py --checks 100000 --metrics-profile lean --save-page /tmp/page.txt
#   bench/gzip_backends.sh /tmp/page.txt
#
# Builds two throw-away programs in a temporary directory (same source, one backend
# each), then runs them alternately twice: 9 compressions of the page in 64 KiB writes
# each, median, min and max in ms, and the compressed size.
set -euo pipefail
page=$(realpath "${1:?usage: bench/gzip_backends.sh PAGE_FILE}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for backend in miniz zlibrs; do
  mkdir -p "$work/$backend/src"
  if [ "$backend" = miniz ]; then dep='flate2 = "=1.1.11"'
  else dep='flate2 = { version = "=1.1.11", default-features = false, features = ["zlib-rs"] }'; fi
  printf '[package]\nname = "gz-%s"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\n%s\n' \
    "$backend" "$dep" > "$work/$backend/Cargo.toml"
  cat > "$work/$backend/src/main.rs" <<'RS'
use std::io::Write;
use std::time::Instant;
fn main() {
    let page = std::fs::read(std::env::args().nth(1).expect("page file")).unwrap();
    let (mut times, mut size) = (Vec::new(), 0);
    for _ in 0..9 {
        let t = Instant::now();
        let level = flate2::Compression::new(1);
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(1 << 20), level);
        size = 0;
        for chunk in page.chunks(64 * 1024) {
            gz.write_all(chunk).unwrap();
            size += gz.get_ref().len();
            gz.get_mut().clear();
        }
        size += gz.finish().unwrap().len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{}: {} -> {} bytes; median {:.1} ms, min {:.1}, max {:.1}",
        env!("CARGO_PKG_NAME"), page.len(), size, times[4], times[0], times[8]);
}
RS
  (cd "$work/$backend" && cargo build --release -q)
done
for _ in 1 2; do
  for backend in miniz zlibrs; do "$work/$backend/target/release/gz-$backend" "$page"; done
done
