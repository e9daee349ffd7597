# What run.sh and versions.sh share: their work directory and how they dump a program. Sourced.

# use_work_dir PREFIX: sets work to $WORK (made if missing, kept), or to a new temporary directory
# deleted on exit unless KEEP=1.
use_work_dir() {
  if [ -n "${WORK:-}" ]; then
    work=$WORK
    mkdir -p "$work"
  else
    work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    trap 'if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi' EXIT
  fi
}

# dump DIR ARGS…: runs DIR/binary ARGS… in DIR until it prints "ready", then dumps it to DIR/core.
dump() {
  local dir=$1; shift
  rm -f "$dir"/core "$dir"/core.*
  (
    cd "$dir"
    ulimit -c unlimited
    GOTRACEBACK=crash ./binary "$@" > stdout 2> stderr &
    local pid=$!
    until grep -q ready stdout 2>/dev/null; do sleep 0.5; kill -0 "$pid"; done
    if [ "$(cat /proc/sys/kernel/core_pattern)" = core ]; then
      kill -ABRT "$pid"
      { wait "$pid"; } 2>/dev/null || true # (no "Aborted (core dumped)" from this shell)
      local core
      for core in core core.*; do [ -f "$core" ] && break; done
      [ -f "$core" ] || { echo "no core file in $dir after SIGABRT" >&2; exit 1; }
      [ "$core" = core ] || mv "$core" core
    else
      DEBUGINFOD_URLS= gcore -o "$dir/gcore" "$pid" > gcore.log 2>&1
      kill "$pid"; wait "$pid" 2>/dev/null || true
      mv "gcore.$pid" core
    fi
  )
}
