#!/usr/bin/env bash
# Times goheapflame on a Go process with more than 1 GiB of live heap (test/fixtures/big): builds it,
# lets it plant its heap, has the kernel dump it (GOTRACEBACK=crash, SIGABRT), then runs `info`, `top`
# and the flame graph with --timings under /usr/bin/time for the peak memory. Needs Go, and
# /proc/sys/kernel/core_pattern = core (relative to the working directory).
#   npm run build && bench/big-heap.sh          (BENCH_DIR=… keeps the core somewhere else)
#   BIG_SCALE=8 bench/big-heap.sh               (every part of the heap 8 times larger: about 10 GiB)
#   GOHEAPFLAME=other/bin/goheapflame.js …      (times another build of the CLI)
#   RUNS=flame …                                (only some of the commands: info, top, flame)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$(mktemp -d)}
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$work"' EXIT
[ "$(cat /proc/sys/kernel/core_pattern)" = core ] || { echo "core_pattern must be 'core' for this bench" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "install GNU time (apt-get install -y time)" >&2; exit 1; }

(cd "$repo/test/fixtures" && go build -o "$work/big" ./big)
mkdir -p "$work/truth"
(
  cd "$work"
  ulimit -c unlimited
  GOTRACEBACK=crash ./big "$work/truth" > "$work/stdout" 2> "$work/stderr" &
  pid=$!
  until grep -q ready "$work/stdout" 2>/dev/null; do sleep 1; kill -0 "$pid"; done
  kill -ABRT "$pid"
  wait "$pid" || true
)
core=$(ls "$work"/core* | head -1)
echo "core: $(du -h --apparent-size "$core" | cut -f1) ($(du -h "$core" | cut -f1) on disk)"
python3 -c "import json; m = json.load(open('$work/truth/truth.json'))['memstats']; print(f\"truth: HeapObjects {m['HeapObjects']}, HeapAlloc {m['HeapAlloc'] / 2**30:.2f} GiB\")"

run() {
  local name=$1; shift
  /usr/bin/time -f "$name: %es wall, %Us user, %Ss system, %MKB peak RSS" node "${GOHEAPFLAME:-$repo/bin/goheapflame.js}" "$@" 2> "$work/time.$name" > "$work/out.$name"
  grep -v '^Heap ' "$work/time.$name" | grep -v 'Wrote'
}
runs=${RUNS:-info top flame}
if [[ " $runs " == *" info "* ]]; then
  run info info "$core" "$work/big" --json
  python3 -c "import json; h = json.load(open('$work/out.info'))['heap']; print(f\"heap: {h['objects']} objects, {h['bytes'] / 2**30:.2f} GiB; reachable {h['reachableObjects']} objects, {h['reachableBytes'] / 2**30:.2f} GiB; typed {100 * h['typedBytes'] / h['reachableBytes']:.2f}%\")"
fi
if [[ " $runs " == *" top "* ]]; then
  run top top "$core" "$work/big" -n 8 --quiet
  cat "$work/out.top"
fi
if [[ " $runs " == *" flame "* ]]; then
  run flame "$core" "$work/big" -o "$work/big.svg" --timings --quiet
  echo "svg: $(du -h "$work/big.svg" | cut -f1)"
fi
