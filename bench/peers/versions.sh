#!/usr/bin/env bash
# Which Go releases the peers read: builds bench/peers/heap26 with each release (GOTOOLCHAIN), dumps
# it, and prints how much of its live heap (runtime.MemStats.HeapAlloc after a GC) each tool finds:
# goheapflame (`info --json`, reachable bytes), grf (total of its profile), viewcore (`breakdown`,
# live bytes; and whether `histogram` runs). Uses the peers run.sh built (PEERS_BIN).
#   bench/peers/versions.sh                       GO_RELEASES="1.22.12 1.26.8" to choose
# Environment: GO_RELEASES, PEERS_BIN (default /tmp/peers/bin), GOHEAPFLAME (default this repository's
# bin/goheapflame.js), WORK (default a temporary directory, deleted unless KEEP=1).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
GO_RELEASES=${GO_RELEASES:-1.21.13 1.22.12 1.23.12 1.24.13 1.25.5 1.26.8}
PEERS_BIN=${PEERS_BIN:-/tmp/peers/bin}
GOHEAPFLAME=${GOHEAPFLAME:-$repo/bin/goheapflame.js}
[ -x "$PEERS_BIN/viewcore" ] && [ -x "$PEERS_BIN/grf" ] || { echo "build the peers first (bench/peers/run.sh)" >&2; exit 1; }
# shellcheck source=bench/peers/common.sh
. "$repo/bench/peers/common.sh"
use_work_dir goheapflame-peers-versions

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
printf '%-8s %9s  %-22s %-22s %-22s %s\n' Go HeapAlloc goheapflame grf 'viewcore live' 'viewcore histogram'
for v in $GO_RELEASES; do
  dir=$work/go$v
  mkdir -p "$dir"
  (cd "$repo/bench/peers/heap26" && GOTOOLCHAIN=go$v go build -o "$dir/binary" .)
  dump "$dir"
  alloc=$(sed -n 's/^ready heapalloc=\([0-9]*\) .*/\1/p' "$dir/stdout")
  ghf=$(node "$GOHEAPFLAME" info "$dir/core" "$dir/binary" --json 2>"$dir/ghf.err" |
    node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => { try { console.log(JSON.parse(s).heap.reachableBytes) } catch { console.log("") } })' || true)
  "$PEERS_BIN/grf" core "$dir/binary" "$dir/core" -o "$dir/grf.out" > "$dir/grf.log" 2>&1 || true
  grf=$(go tool pprof -top -sample_index=inuse_space "$dir/grf.out" 2>/dev/null | sed -n 's/.* of \([0-9.]*\)kB total$/\1/p' || true)
  live=$("$PEERS_BIN/viewcore" "$dir/core" --exe "$dir/binary" breakdown 2>"$dir/viewcore.err" | awk '$1 == "live" { print $2 }' || true)
  if "$PEERS_BIN/viewcore" "$dir/core" --exe "$dir/binary" histogram > "$dir/histogram" 2>&1; then histo=runs
  else histo="fails: $(grep -m1 '^panic' "$dir/histogram" | cut -c1-60)"; fi
  pct() { if [ -n "$1" ]; then echo "$(mb "$1") MiB ($(awk -v a="$1" -v b="$alloc" 'BEGIN { printf "%.0f", 100 * a / b }') %)"; else echo "fails"; fi; }
  printf '%-8s %5s MiB  %-22s %-22s %-22s %s\n' "$v" "$(mb "$alloc")" "$(pct "$ghf")" \
    "$(pct "$([ -n "$grf" ] && awk -v k="$grf" 'BEGIN { printf "%d", k * 1024 }')")" "$(pct "$live")" "$histo"
done
