#!/usr/bin/env bash
# goheapflame against the Go tools people use instead, on the same two cores of unstripped Go
# programs: viewcore (golang.org/x/debug, `objgraph` and `histogram`) and grf (cloudwego/goref,
# `grf core`). Builds the peers from source, dumps a ~26 MiB heap (bench/peers/heap26) and the
# 1.25 GiB heap of test/fixtures/big, then runs the four commands in turn, REPS times each, under
# GNU time, and prints the median wall time and peak RSS of each with its ratio to goheapflame's.
# See README.md.
#
#   bench/peers/run.sh                                  everything in a temporary directory
#   WORK=/tmp/peers/work REUSE=1 bench/peers/run.sh     keep the cores there and reuse them
#
# Environment:
#   REPS=3              runs of each tool on each core (the median is reported)
#   CORES="small big"   which cores: small (~26 MiB heap), big (~1.25 GiB heap)
#   TOOLS="goheapflame grf objgraph histogram"  (also: top, `goheapflame top -n 0`, the counterpart
#                       of `viewcore histogram`); goheapflame must be in the list, for the ratios
#   WORK=dir            work directory (cores in WORK/small and WORK/big); kept. Default: a
#                       temporary directory, deleted at the end unless KEEP=1
#   KEEP=1              keep the temporary work directory
#   REUSE=1             reuse WORK/<core>/{core,binary} when they are there instead of dumping anew
#   GOHEAPFLAME=path    the CLI to time (default: this repository's bin/goheapflame.js, so its dist/
#                       must be built)
#   PEERS_BIN=dir       where viewcore and grf are (default /tmp/peers/bin); built there from source
#                       when missing, with their commit in viewcore.commit / grf.commit
#   PEERS_SRC=dir       where their sources go (default /tmp/peers/src)
#   DEBUG_GIT, GOREF_GIT  git repositories to take the sources from (default: /work/.mirror/… when
#                       present, else https://go.googlesource.com/debug and
#                       https://github.com/cloudwego/goref); DEBUG_REF, GOREF_REF (default HEAD)
#   GOTOOLCHAIN         Go release the two dumped programs are built with (default: the local one)
#   TIMEOUT=3600        seconds before one run is killed (it then counts as failed)
# Needs Go, node, GNU time (/usr/bin/time), and either /proc/sys/kernel/core_pattern = core (the
# process is killed with SIGABRT under GOTRACEBACK=crash, as bench/big-heap.sh does) or gcore.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/bench/peers
# shellcheck source=bench/peers/common.sh
. "$here/common.sh"
REPS=${REPS:-3}
CORES=${CORES:-small big}
TOOLS=${TOOLS:-goheapflame grf objgraph histogram}
TIMEOUT=${TIMEOUT:-3600}
GOHEAPFLAME=${GOHEAPFLAME:-$repo/bin/goheapflame.js}
PEERS_BIN=${PEERS_BIN:-/tmp/peers/bin}
PEERS_SRC=${PEERS_SRC:-/tmp/peers/src}

for tool in go node git timeout /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool (GNU time: apt-get install -y time)" >&2; exit 1; }
done
[ -f "$GOHEAPFLAME" ] || { echo "no $GOHEAPFLAME (set GOHEAPFLAME=…/bin/goheapflame.js)" >&2; exit 1; }

use_work_dir goheapflame-peers
work=$(cd "$work" && pwd)

# --- 1. the peers, from source ---------------------------------------------------------------------

# build NAME GIT REF PACKAGE: builds $PEERS_BIN/NAME from PACKAGE of GIT at REF, unless it is there.
build() {
  local name=$1 git=$2 ref=$3 pkg=$4 src=$PEERS_SRC/$1
  if [ -x "$PEERS_BIN/$name" ] && [ -s "$PEERS_BIN/$name.commit" ]; then return; fi
  mkdir -p "$PEERS_BIN" "$PEERS_SRC"
  rm -rf "$src" "$src.git"
  local from=$git
  if [ ! -d "$git" ]; then
    git clone --quiet --bare "$git" "$src.git"
    from=$src.git
  fi
  git --git-dir="$from" rev-parse "$ref^{commit}" > "$PEERS_BIN/$name.commit.new"
  mkdir -p "$src"
  git --git-dir="$from" archive "$ref" | tar -x -C "$src"
  echo "building $name ($(cat "$PEERS_BIN/$name.commit.new")) from $git"
  (cd "$src" && go build -o "$PEERS_BIN/$name" "$pkg")
  mv "$PEERS_BIN/$name.commit.new" "$PEERS_BIN/$name.commit"
}
mirror_or() { if [ -d "$1" ]; then echo "$1"; else echo "$2"; fi; }
build viewcore "${DEBUG_GIT:-$(mirror_or /work/.mirror/golang+debug/repo https://go.googlesource.com/debug)}" \
  "${DEBUG_REF:-HEAD}" ./cmd/viewcore
build grf "${GOREF_GIT:-$(mirror_or /work/.mirror/cloudwego+goref/repo https://github.com/cloudwego/goref)}" \
  "${GOREF_REF:-HEAD}" ./cmd/grf
viewcore=$PEERS_BIN/viewcore grf=$PEERS_BIN/grf

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "goheapflame  $GOHEAPFLAME ($(node "$GOHEAPFLAME" --version), node $(node --version))"
echo "viewcore     golang.org/x/debug $(cat "$PEERS_BIN/viewcore.commit"), built with $(go version "$viewcore" | cut -d' ' -f2)"
echo "grf          github.com/cloudwego/goref $(cat "$PEERS_BIN/grf.commit"), built with $(go version "$grf" | cut -d' ' -f2); $("$grf" version 2>&1 | head -1)"
echo "work         $work"

# --- 2. the cores ----------------------------------------------------------------------------------

# heap NAME: the live heap the program reported (runtime.MemStats after a GC), as "N objects, B bytes".
heap() {
  case $1 in
    small) sed -n 's/^ready heapalloc=\([0-9]*\) objects=\([0-9]*\)$/\2 objects, \1 bytes/p' "$work/small/stdout" ;;
    big) python3 -c "import json; m = json.load(open('$work/big/truth/truth.json'))['memstats']; print(m['HeapObjects'], 'objects,', m['HeapAlloc'], 'bytes')" ;;
  esac
}

for name in $CORES; do
  dir=$work/$name
  if [ "${REUSE:-}" = 1 ] && [ -s "$dir/core" ] && [ -x "$dir/binary" ]; then
    echo "reusing $dir/core"
    continue
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  case $name in
    small)
      (cd "$here/heap26" && go build -o "$dir/binary" .)
      dump "$dir" ;;
    big)
      (cd "$repo/test/fixtures" && go build -o "$dir/binary" ./big)
      mkdir -p "$dir/truth"
      dump "$dir" "$dir/truth" ;;
    *) echo "unknown core $name (small, big)" >&2; exit 1 ;;
  esac
done

# --- 3. the runs -----------------------------------------------------------------------------------

# command TOOL CORE BINARY OUT: the command line of TOOL, writing its output under OUT.
command_of() {
  case $1 in
    goheapflame) echo node "$GOHEAPFLAME" "$2" "$3" -o "$4/goheapflame.svg" ;;
    grf) echo "$grf" core "$3" "$2" -o "$4/grf.out" ;;
    objgraph) echo "$viewcore" "$2" --exe "$3" objgraph "$4/viewcore.dot" ;;
    histogram) echo "$viewcore" "$2" --exe "$3" histogram ;;
    top) echo node "$GOHEAPFLAME" top "$2" "$3" -n 0 ;; # goheapflame's counterpart of histogram
    *) echo "unknown tool $1" >&2; return 1 ;;
  esac
}

# pprof_total FILE: "N objects, B MiB", the totals of grf's profile (go tool pprof's kB are KiB).
pprof_total() {
  local objects space
  objects=$(go tool pprof -top -sample_index=inuse_objects "$1" 2>/dev/null | sed -n 's/.* of \([0-9]*\) total$/\1/p')
  space=$(go tool pprof -top -sample_index=inuse_space "$1" 2>/dev/null | sed -n 's/.* of \([0-9.]*[kMG]B\) total$/\1/p')
  [ -n "$objects" ] && [ -n "$space" ] || { echo '?'; return; }
  awk -v n="$objects" -v s="$space" 'BEGIN { u = substr(s, length(s) - 1); v = substr(s, 1, length(s) - 2)
    v *= (u == "kB") ? 1 / 1024 : (u == "GB") ? 1024 : 1; printf "%d objects, %.1f MiB", n, v }'
}

mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

for name in $CORES; do
  dir=$work/$name out=$work/$name/out
  mkdir -p "$out"
  results=$out/results.txt
  : > "$results"
  echo
  echo "== $name: $(go version "$dir/binary" | cut -d' ' -f2) binary, heap $(heap "$name"), core $(du -h --apparent-size "$dir/core" | cut -f1)"
  for rep in $(seq "$REPS"); do
    for tool in $TOOLS; do
      cat "$dir/core" > /dev/null # in the page cache for every run alike (other runs may have evicted it)
      cmd=$(command_of "$tool" "$dir/core" "$dir/binary" "$out")
      load=$(cut -d' ' -f1 /proc/loadavg)
      rc=0
      # shellcheck disable=SC2086 # the command line is words without spaces
      timeout "$TIMEOUT" /usr/bin/time -f '%e %M' -o "$out/$tool.time" $cmd > "$out/$tool.stdout" 2> "$out/$tool.stderr" || rc=$?
      read -r wall peak < <(tail -1 "$out/$tool.time" 2>/dev/null || echo "- -")
      [ "$rc" = 0 ] || { wall=-; peak=-; }
      echo "$tool $rep $wall $peak $rc $load" >> "$results"
      printf '  run %d %-12s %8s s %7s MiB  (exit %s, load %s)\n' "$rep" "$tool" "$wall" "$([ "$peak" = - ] && echo - || mib "$peak")" "$rc" "$load"
      if [ "$rc" != 0 ]; then sed 's/^/    | /' "$out/$tool.stderr" | tail -5; fi
    done
  done

  # What each tool's output accounts for, from the last run.
  declare -A accounted=()
  accounted[goheapflame]=$(grep -o 'reachable [0-9.]* [KMG]iB ([0-9.]*%) in [0-9]* objects' "$out/goheapflame.stderr" || echo '?')
  accounted[grf]=$(pprof_total "$out/grf.out")
  accounted[histogram]=$(awk 'NR > 1 { n += $1; b += $3 } END { if (NR > 1) printf "%d objects, %.1f MiB", n, b / 1048576; else print "?" }' "$out/histogram.stdout")
  accounted[objgraph]="$(du -h --apparent-size "$out/viewcore.dot" 2>/dev/null | cut -f1) dot file"

  echo "-- $name: medians of $REPS runs (load average $(awk '{ print $6 }' "$results" | sort -n | sed -n '1p;$p' | paste -sd- ) during the runs)"
  printf '  %-12s %10s %10s %10s %10s   %s\n' tool wall peak 'wall/ghf' 'peak/ghf' 'output accounts for'
  median() { # median of column $2 for tool $1, or - when a run failed
    awk -v t="$1" -v c="$2" '$1 == t { if ($c == "-") bad = 1; else v[n++] = $c }
      END { if (bad || n == 0) { print "-"; exit }
            for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
            print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$results"
  }
  ghf_wall=$(median goheapflame 3) ghf_peak=$(median goheapflame 4)
  for tool in $TOOLS; do
    wall=$(median "$tool" 3) peak=$(median "$tool" 4)
    ratio() { if [ "$1" = - ] || [ "$2" = - ]; then echo -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; fi; }
    printf '  %-12s %8s s %6s MiB %9s× %9s×   %s\n' "$tool" "$wall" "$([ "$peak" = - ] && echo - || mib "$peak")" \
      "$(ratio "$wall" "$ghf_wall")" "$(ratio "$peak" "$ghf_peak")" "${accounted[$tool]:-}"
  done
  unset accounted
done
echo
echo "== done $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
