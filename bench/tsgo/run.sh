#!/usr/bin/env bash
# goheapflame on a large heap of a real stripped Go program: tsgo, the TypeScript compiler ported to Go
# (npm's @typescript/native-preview ships it stripped), watching a generated project, dumped with gcore
# once its first check is done. Then `info --json` for the heap totals, and the flame graph command
# timed with --timings under GNU time. See README.md.
#
# Environment: TSGO_VERSION (default 7.0.0-dev.20260707.2), MODULES (default 300), REPS (default 1:
# how many times to run the flame graph command), GOHEAPFLAME (the CLI to time, default this repo's
# bin/goheapflame.js), WORK (work directory, default a new temporary one), KEEP=1 to keep it, REUSE=1 to
# reuse $WORK/core and $WORK/tsgo from an earlier run instead of installing, generating and dumping.
set -euo pipefail

TSGO_VERSION=${TSGO_VERSION:-7.0.0-dev.20260707.2}
MODULES=${MODULES:-300}
REPS=${REPS:-1}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cli=${GOHEAPFLAME:-$repo/bin/goheapflame.js}
# A directory the caller names is never deleted unless this script made it.
if [ -n "${WORK:-}" ]; then
  [ -d "$WORK" ] && made=0 || made=1
  mkdir -p "$WORK"
  work=$(cd "$WORK" && pwd)
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/goheapflame-tsgo.XXXXXX")
  made=1
fi
tsgo_pid=

cleanup() {
  if [ -n "$tsgo_pid" ]; then kill "$tsgo_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-}" = 1 ] || [ "$made" = 0 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

for tool in node npm gcore; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool on the PATH" >&2; exit 1; }
done
# GNU time for the peak RSS of the timed runs (bash's `time` has no memory figure); REPS=0 times nothing.
if [ "$REPS" -gt 0 ] && [ ! -x /usr/bin/time ]; then
  apt-get install -y time >/dev/null || { echo "run.sh needs GNU time (/usr/bin/time)" >&2; exit 1; }
fi
if [ -z "${GOHEAPFLAME:-}" ] && [ ! -f "$repo/dist/cli/main.js" ]; then (cd "$repo" && npm run build >/dev/null); fi

core="$work/core"
bin="$work/tsgo"
load() { cut -d' ' -f1-3 /proc/loadavg; }

if [ "${REUSE:-}" = 1 ] && [ -f "$core" ] && [ -x "$bin" ]; then
  echo "== reusing $core and $bin"
else
  echo "== tsgo $TSGO_VERSION, $MODULES modules, in $work"
  # --ignore-scripts: the platform binary comes as the optional dependency
  # @typescript/native-preview-linux-x64; nothing needs to run at install.
  npm install --prefix "$work/npm" --ignore-scripts --no-audit --no-fund "@typescript/native-preview@$TSGO_VERSION" >/dev/null
  installed=$(find "$work/npm/node_modules" -path '*/native-preview-linux-x64/lib/tsgo' -type f | head -1)
  [ -n "$installed" ] || { echo "no linux-x64 tsgo binary under $work/npm/node_modules" >&2; exit 1; }
  # tsgo runs from where npm put it (it reads the lib.*.d.ts files next to itself); goheapflame reads
  # a copy next to the core, so the pair stays together when the npm tree is deleted or reinstalled.
  cp "$installed" "$bin"
  echo "   $("$installed" --version), $(file -b "$bin" | grep -o 'not stripped\|stripped')"

  rm -rf "$work/project"
  node "$repo/bench/tsgo/generate-project.mjs" "$work/project" "$MODULES"

  # --preserveWatchOutput: no clear-screen codes in the log. tsgo prints
  # "Found 0 errors. Watching for file changes." once the first check is done.
  "$installed" --watch --preserveWatchOutput -p "$work/project" >"$work/tsgo.log" 2>&1 &
  tsgo_pid=$!
  started=$SECONDS
  for _ in $(seq 6000); do
    grep -q 'Watching for file changes' "$work/tsgo.log" && break
    kill -0 "$tsgo_pid" 2>/dev/null || { cat "$work/tsgo.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q 'Watching for file changes' "$work/tsgo.log" || { tail "$work/tsgo.log" >&2; echo "tsgo did not finish its first check in 600 s" >&2; exit 1; }
  # Type errors mean the generated project is wrong, and the heap would not be the one measured before.
  grep -q 'Found 0 errors' "$work/tsgo.log" || { head -20 "$work/tsgo.log" >&2; exit 1; }
  sleep 2 # let the check's goroutines finish, so the dump shows tsgo waiting for changes
  echo "   first check done in ~$((SECONDS - started)) s; tsgo pid $tsgo_pid: $(grep VmRSS /proc/$tsgo_pid/status | tr -s ' \t' ' ')"

  TIMEFORMAT='   %R s'
  echo "== gcore (load average $(load))"
  rm -f "$core"
  time (DEBUGINFOD_URLS= gcore -o "$work/core" "$tsgo_pid" >"$work/gcore.log" 2>&1)
  mv "$work/core.$tsgo_pid" "$core"
  kill "$tsgo_pid"; wait "$tsgo_pid" 2>/dev/null || true; tsgo_pid=
  # The core holds every mapping, ~1 GB of it the Go heap's untouched reservations: zero pages that
  # need not take disk space.
  if command -v fallocate >/dev/null; then fallocate --dig-holes "$core" || true; fi
  echo "   core: $(du -h --apparent-size "$core" | cut -f1) ($(du -h "$core" | cut -f1) on disk)"
fi

cd "$repo"
echo "== info --json (load average $(load))"
node "$cli" info --json "$core" "$bin" >"$work/info.json"
node -e '
  const info = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const h = info.heap;
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(`   ${info.goVersion}, stripped: ${info.stripped}, ${info.goroutines.total} goroutines`);
  console.log(`   heap:      ${mib(h.bytes)} in ${h.objects.toLocaleString("en")} objects`);
  console.log(`   reachable: ${mib(h.reachableBytes)} in ${h.reachableObjects.toLocaleString("en")} objects`);
  console.log(`   typed:     ${((100 * h.typedBytes) / h.reachableBytes).toFixed(1)}% of reachable bytes`);
  if (info.warnings.length) console.log(`   warnings:  ${info.warnings.join("; ")}`);
' "$work/info.json"
node "$cli" top -n 0 --json -q "$core" "$bin" >"$work/top.json"
node "$repo/bench/tsgo/type-report.mjs" "$work/top.json"

walls=()
cpus=()
for rep in $(seq "$REPS"); do
  echo "== flame graph, run $rep of $REPS: $cli CORE BINARY -o ref.svg --timings (load average $(load))"
  # User and system time beside the wall: on a shared machine the wall time is the one that drifts.
  /usr/bin/time -f '%e s wall, %U s user, %S s sys, %M KB peak' -o "$work/time.$rep" \
    node "$cli" "$core" "$bin" -o "$work/ref.svg" --timings 2>"$work/flame.$rep.log" ||
    { cat "$work/flame.$rep.log" "$work/time.$rep" >&2; exit 1; }
  sed 's/^/   /' "$work/flame.$rep.log"
  echo "   $(cat "$work/time.$rep"), $(du -h --apparent-size "$work/ref.svg" | cut -f1) SVG; load average after: $(load)"
  walls+=("$(cut -d' ' -f1 "$work/time.$rep")")
  cpus+=("$(awk '{ print $4 + $7 }' "$work/time.$rep")")
done
[ "$REPS" -gt 0 ] || exit 0
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "== median of $REPS runs: $(median "${walls[@]}") s wall, $(median "${cpus[@]}") s user + sys"
