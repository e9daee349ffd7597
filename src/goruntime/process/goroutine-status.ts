/**
 * Goroutine status codes and wait reasons as runtime/runtime2.go numbers them. The status codes only
 * grew (1.26 added leaked and deadextra); the wait reasons differ by release.
 */

/** runtime._G* status values, with the _Gscan bit (0x1000) masked off. */
export const GStatus = {
  idle: 0,
  runnable: 1,
  running: 2,
  syscall: 3,
  waiting: 4,
  moribund: 5,
  dead: 6,
  enqueue: 7,
  copystack: 8,
  preempted: 9,
  leaked: 10,
  deadextra: 11,
} as const;

export const G_SCAN = 0x1000;

/** runtime.gStatusStrings: the word a traceback prints for each status. */
const statusNames: readonly string[] = [
  'idle', 'runnable', 'running', 'syscall', 'waiting', 'moribund', 'dead', 'enqueue', 'copystack', 'preempted',
  'leaked', 'waiting for cgo callback',
];

/** runtime.waitReasonStrings of each release, indexed by waitReason (the list was reordered in 1.26). */
const waitReasons122: readonly string[] = [
  '', 'GC assist marking', 'IO wait', 'chan receive (nil chan)', 'chan send (nil chan)', 'dumping heap',
  'garbage collection', 'garbage collection scan', 'panicwait', 'select', 'select (no cases)',
  'GC assist wait', 'GC sweep wait', 'GC scavenge wait', 'chan receive', 'chan send', 'finalizer wait',
  'force gc (idle)', 'semacquire', 'sleep', 'sync.Cond.Wait', 'sync.Mutex.Lock', 'sync.RWMutex.RLock',
  'sync.RWMutex.Lock', 'trace reader (blocked)', 'wait for GC cycle', 'GC worker (idle)',
  'GC worker (active)', 'preempted', 'debug call', 'GC mark termination', 'stopping the world',
  'flushing proc caches', 'trace goroutine status', 'trace proc status', 'page trace flush', 'coroutine',
];
/** 1.23 added the wait of weak-to-strong conversions. */
const waitReasons123: readonly string[] = [...waitReasons122, 'GC weak to strong wait'];
/** 1.24 gave WaitGroup.Wait its own reason and added synctest's. */
const waitReasons124: readonly string[] = [
  ...inserted(waitReasons123, 'trace reader (blocked)', 'sync.WaitGroup.Wait'),
  'synctest.Run', 'synctest.Wait', 'chan receive (synctest)', 'chan send (synctest)', 'select (synctest)',
];
/** 1.25 added the GOMAXPROCS updater, renamed synctest's "(synctest)" waits "(durable)" and added two. */
const waitReasons125: readonly string[] = [
  ...inserted(waitReasons124.slice(0, -3), 'semacquire', 'GOMAXPROCS updater (idle)'),
  'chan receive (durable)', 'chan send (durable)', 'select (durable)', 'sync.WaitGroup.Wait (durable)', 'cleanup wait',
];
const waitReasons126: readonly string[] = [
  '', 'GC assist marking', 'IO wait', 'dumping heap', 'garbage collection', 'garbage collection scan', 'panicwait',
  'GC assist wait', 'GC sweep wait', 'GC scavenge wait', 'finalizer wait', 'force gc (idle)',
  'GOMAXPROCS updater (idle)', 'semacquire', 'sleep', 'chan receive (nil chan)', 'chan send (nil chan)',
  'select (no cases)', 'select', 'chan receive', 'chan send', 'sync.Cond.Wait', 'sync.Mutex.Lock',
  'sync.RWMutex.RLock', 'sync.RWMutex.Lock', 'sync.WaitGroup.Wait', 'trace reader (blocked)', 'wait for GC cycle',
  'GC worker (idle)', 'GC worker (active)', 'preempted', 'debug call', 'GC mark termination', 'stopping the world',
  'flushing proc caches', 'trace goroutine status', 'trace proc status', 'page trace flush', 'coroutine',
  'GC weak to strong wait', 'synctest.Run', 'synctest.Wait', 'chan receive (durable)', 'chan send (durable)',
  'select (durable)', 'sync.WaitGroup.Wait (durable)', 'cleanup wait',
];

/** `list` with `added` placed just before the entry `before` (which the list must hold). */
function inserted(list: readonly string[], before: string, ...added: string[]): string[] {
  const at = list.indexOf(before);
  return [...list.slice(0, at), ...added, ...list.slice(at)];
}

/** The wait reasons of Go 1.`minor` (1.27 kept 1.26's). */
function waitReasonStrings(minor: number): readonly string[] {
  if (minor <= 22) return waitReasons122;
  if (minor === 23) return waitReasons123;
  if (minor === 24) return waitReasons124;
  if (minor === 25) return waitReasons125;
  return waitReasons126;
}

/** The status word, e.g. `waiting`; `status 42` for a value no release defines. */
export function statusName(status: number): string {
  return statusNames[status] ?? `status ${status}`;
}

/** The wait reason's text; undefined for waitReasonZero, `wait reason N` for an unknown value. */
export function waitReasonText(reason: number, minor: number): string | undefined {
  if (reason === 0) return undefined;
  return waitReasonStrings(minor)[reason] ?? `wait reason ${reason}`;
}

/** Dead goroutines sit in allgs for reuse; they have no stack worth reading. */
export function isDead(status: number): boolean {
  return status === GStatus.dead || status === GStatus.deadextra;
}
