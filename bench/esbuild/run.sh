#!/usr/bin/env bash
# goheapflame end to end on a real stripped Go program: esbuild (npm's @esbuild/linux-x64 package ships
# it linked with -s -w, without build info) watching a generated project, dumped with gcore while it
# waits for changes, then read with `info`, `top`, the flame graph command when the CLI has it, and
# bench/esbuild/top-roots.mjs for the largest roots and the time of each phase. See README.md.
#
# Environment: ESBUILD_VERSION (default 0.28.2), MODULES (default 400), KEEP=1 to keep the work
# directory (the core is ~1.3 GB) instead of deleting it.
set -euo pipefail

ESBUILD_VERSION=${ESBUILD_VERSION:-0.28.2}
MODULES=${MODULES:-400}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/goheapflame-esbuild.XXXXXX")
esbuild_pid=

cleanup() {
  if [ -n "$esbuild_pid" ]; then kill "$esbuild_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

for tool in node npm gcore; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool on the PATH" >&2; exit 1; }
done
[ -f "$repo/dist/cli/main.js" ] || (cd "$repo" && npm run build >/dev/null)

echo "== esbuild $ESBUILD_VERSION, $MODULES modules, in $work"
# --ignore-scripts: the platform binary comes as the optional dependency @esbuild/linux-x64; the
# package's install script only checks it.
npm install --prefix "$work/npm" --ignore-scripts --no-audit --no-fund "esbuild@$ESBUILD_VERSION" >/dev/null
bin="$work/npm/node_modules/@esbuild/linux-x64/bin/esbuild"
node "$repo/bench/esbuild/generate-project.mjs" "$work/project" "$MODULES"

cd "$work/project"
"$bin" src/index.js --bundle --outfile=out/bundle.js --watch=forever 2>"$work/esbuild.log" &
esbuild_pid=$!
built() { grep -q 'build finished' "$work/esbuild.log" && [ -s out/bundle.js ]; }
for _ in $(seq 600); do
  built && break
  kill -0 "$esbuild_pid" 2>/dev/null || { cat "$work/esbuild.log" >&2; exit 1; }
  sleep 0.1
done
built || { cat "$work/esbuild.log" >&2; echo "esbuild did not finish its first build in 60 s" >&2; exit 1; }
if grep -q 'ERROR' "$work/esbuild.log"; then cat "$work/esbuild.log" >&2; exit 1; fi
sleep 2 # let the build's goroutines finish, so the dump shows esbuild waiting for changes
echo "built out/bundle.js ($(wc -c <out/bundle.js) bytes); esbuild pid $esbuild_pid: $(grep VmRSS /proc/$esbuild_pid/status)"

TIMEFORMAT='   %R s'
echo "== gcore"
time (DEBUGINFOD_URLS= gcore -o "$work/core" "$esbuild_pid" >"$work/gcore.log" 2>&1)
core="$work/core.$esbuild_pid"
kill "$esbuild_pid"; wait "$esbuild_pid" 2>/dev/null || true; esbuild_pid=
echo "   core: $(du -h --apparent-size "$core" | cut -f1)"

cd "$repo"
echo "== goheapflame info"
time node bin/goheapflame.js info "$core" "$bin"
echo "== goheapflame top -n 20"
time node bin/goheapflame.js top -q -n 20 "$core" "$bin"
if node bin/goheapflame.js --help | grep -q 'goheapflame <core> <binary>'; then
  echo "== goheapflame $core $bin -o $work/ref.svg"
  time node bin/goheapflame.js "$core" "$bin" -o "$work/ref.svg"
  echo "   $(du -h --apparent-size "$work/ref.svg" | cut -f1) SVG"
else
  echo "== (the flame graph command is not in this build of the CLI yet)"
fi
echo "== largest roots, time per phase"
node bench/esbuild/top-roots.mjs "$core" "$bin" 10
