#!/usr/bin/env bash
# Rebuilds the bundled sample: builds samples/leaky with the machine's Go, runs it until it prints
# "ready", makes the kernel dump it (ulimit -c unlimited, GOTRACEBACK=crash, SIGABRT), and compacts
# the core. Writes leaky.bin (the executable that ran) and leaky.core into SAMPLE_OUT_DIR (default:
# samples/). With SAMPLE_KEEP_RAW=1 it also keeps the kernel's core there as leaky.raw.core.
# Needs `npm run build` first: the compactor uses the project's compiled ELF reader.
set -euo pipefail

samples_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$samples_dir")
out_dir=${SAMPLE_OUT_DIR:-$samples_dir}
ready_timeout_s=120
dump_timeout_s=300

die() {
  echo "make-sample.sh: $*" >&2
  exit 1
}

[[ -f $repo_dir/dist/elf/elf-file.js ]] || die "dist/ is missing; run 'npm run build' first (the compactor uses the compiled ELF reader)."
command -v go >/dev/null || die "no 'go' on PATH; install Go to build the sample program."

# The kernel must write the core as a plain file in the process's working directory.
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
  '') die "kernel.core_pattern is empty, so the kernel writes no cores; set a plain file name: sysctl -w kernel.core_pattern=core" ;;
  '|'*) die "kernel.core_pattern pipes cores to a program ('$pattern'); set a plain file name: sysctl -w kernel.core_pattern=core" ;;
  */*) die "kernel.core_pattern writes cores outside the working directory ('$pattern'); set a plain file name: sysctl -w kernel.core_pattern=core" ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/goheapflame-sample.XXXXXX")
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Build: -trimpath keeps this machine's paths out of the binary; DWARF stays for good names.
(cd "$samples_dir/leaky" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go build -trimpath -o "$work/run/leaky" .)
echo "built with $(GOTOOLCHAIN=local go env GOVERSION)"

# Run in its own directory so the kernel's core is the only new file there.
cd "$work/run"
(
  ulimit -c unlimited || die "'ulimit -c unlimited' failed: the hard limit on core size forbids cores."
  GOTRACEBACK=crash exec ./leaky >"$work/stdout.log" 2>"$work/stderr.log"
) &
pid=$!

for ((waited = 0; ; waited++)); do
  grep -qx ready "$work/stdout.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || die "leaky exited before it was ready: $(tail -5 "$work/stderr.log")"
  ((waited < ready_timeout_s * 10)) || die "leaky was not ready after ${ready_timeout_s}s."
  sleep 0.1
done
sed -n '/^heap:/p' "$work/stdout.log"

kill -ABRT "$pid"
# The braces send bash's "Aborted (core dumped)" job notice to /dev/null.
{ timeout "$dump_timeout_s" tail --pid="$pid" -f /dev/null; } 2>/dev/null || die "leaky did not die within ${dump_timeout_s}s of SIGABRT."
status=0
{ wait "$pid"; } 2>/dev/null || status=$?
pid=
((status == 128 + 6)) || die "leaky ended with status $status instead of SIGABRT; see its stderr: $(tail -5 "$work/stderr.log")"

# Whatever besides the binary is in the run directory is the kernel's core, named by core_pattern.
cores=()
for file in "$work"/run/*; do [[ $file == "$work/run/leaky" ]] || cores+=("$file"); done
((${#cores[@]} == 1)) || die "expected one core in $work/run after the crash (core_pattern '$pattern'), found ${#cores[@]}; check 'ulimit -c' and kernel.core_pattern."
raw=${cores[0]}

raw_size=$(stat -c %s "$raw")
mkdir -p "$out_dir"
node "$samples_dir/compact-core.mjs" "$raw" "$work/leaky.core"
cp "$work/run/leaky" "$work/leaky.bin"
mv "$work/leaky.bin" "$out_dir/leaky.bin"
mv "$work/leaky.core" "$out_dir/leaky.core"
if [[ ${SAMPLE_KEEP_RAW:-0} == 1 ]]; then mv "$raw" "$out_dir/leaky.raw.core"; fi

echo "kernel core: $raw_size bytes"
echo "wrote $out_dir/leaky.core: $(stat -c %s "$out_dir/leaky.core") bytes"
echo "wrote $out_dir/leaky.bin: $(stat -c %s "$out_dir/leaky.bin") bytes"
