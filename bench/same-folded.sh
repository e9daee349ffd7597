#!/usr/bin/env bash
# Checks that a change leaves the analysis's results alone: writes the folded output of every kept
# fixture core (.fixtures/cores/kept/, made by `GOHEAPFLAME_KEEP_FIXTURES=1 npm test`) with each of
# the binary whose process was dumped (with DWARF, stripped or PIE) using two builds of the CLI, and compares them byte for byte.
#   bench/same-folded.sh BASE_CLI NEW_CLI [OUT_DIR]
# e.g. a worktree of the commit before the change: bench/same-folded.sh /tmp/basewt/bin/goheapflame.js bin/goheapflame.js
# With OUT_DIR/base already filled by an earlier run, the base build is not run again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
base_cli=${1:?usage: same-folded.sh BASE_CLI NEW_CLI [OUT_DIR]}
new_cli=${2:?usage: same-folded.sh BASE_CLI NEW_CLI [OUT_DIR]}
out=${3:-$(mktemp -d "${TMPDIR:-/tmp}/goheapflame-same-folded.XXXXXX")}
mkdir -p "$out/base" "$out/new"
cores=$(ls -d "$repo"/.fixtures/cores/kept/*/ 2>/dev/null || true)
[ -n "$cores" ] || { echo "no kept fixture cores: run GOHEAPFLAME_KEEP_FIXTURES=1 npm test first" >&2; exit 1; }

fold() { # cli core binary out
  node "$1" "$2" "$3" --format folded --quiet -o "$4" 2>"$4.err" || echo "exit $?" >>"$4.err"
}

compared=0 differ=0
for dir in $cores; do
  [ -f "$dir/complete.json" ] || continue # a core whose making was cut short
  name=$(basename "$dir")
  # <program>-<go>[-experiment]-<source hash>-<dump>[-stripped|-pie]: the binaries are in bin/<up to the hash>/.
  build=$(echo "$name" | sed -E 's/-(crash|gcore)(-stripped|-pie)?$//')
  program=${build%%-go*}
  variant=${name##*-} # the binary whose process was dumped: its build ID must match the core's
  case $variant in stripped | pie) variant=-$variant ;; *) variant= ;; esac
  binary="$repo/.fixtures/bin/$build/$program$variant"
  [ -f "$out/base/$name.folded.err" ] || fold "$base_cli" "$dir/core" "$binary" "$out/base/$name.folded"
  fold "$new_cli" "$dir/core" "$binary" "$out/new/$name.folded"
  compared=$((compared + 1))
  if ! cmp -s "$out/base/$name.folded" "$out/new/$name.folded" || ! cmp -s "$out/base/$name.folded.err" "$out/new/$name.folded.err"; then
    differ=$((differ + 1))
    echo "DIFFERS: $name (diff $out/base/$name.folded $out/new/$name.folded)"
  fi
done
echo "$compared cores compared, $differ differ; outputs in $out"
[ "$differ" = 0 ]
