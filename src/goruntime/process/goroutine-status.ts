/**
 * Goroutine status codes and wait reasons as runtime/runtime2.go numbers them. Go 1.26 and 1.27
 * share both lists; a release that changes them gets its own table here.
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

/** runtime.waitReasonStrings of Go 1.26 and 1.27, indexed by waitReason. */
const waitReasonStrings: readonly string[] = [
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

/** The status word, e.g. `waiting`; `status 42` for a value no release defines. */
export function statusName(status: number): string {
  return statusNames[status] ?? `status ${status}`;
}

/** The wait reason's text; undefined for waitReasonZero, `wait reason N` for an unknown value. */
export function waitReasonText(reason: number): string | undefined {
  if (reason === 0) return undefined;
  return waitReasonStrings[reason] ?? `wait reason ${reason}`;
}

/** Dead goroutines sit in allgs for reuse; they have no stack worth reading. */
export function isDead(status: number): boolean {
  return status === GStatus.dead || status === GStatus.deadextra;
}
