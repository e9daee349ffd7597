import { UserError } from '../../errors.js';
import type { Thread } from '../../core/process-image.js';
import type { GoProcess } from './go-process.js';
import { G_SCAN, GStatus, isDead, statusName, waitReasonText } from './goroutine-status.js';
import { hex, u64 } from '../../util/bytes.js';
import type { PcLnTab } from '../binary/pclntab.js';
import { type Frame, type Stack, StackReader } from './stack-frames.js';
import { type GoM, readMs } from './threads.js';
import type { UnwindStart } from './unwind.js';
import { readSliceHeader, sliceHeaderSize } from '../layout/go-struct.js';

export type { StackObject } from './frame-pointers.js';
export type { Frame } from './stack-frames.js';

/** The `go` statement that started a goroutine. */
export interface CreatedBy {
  function: string;
  file: string;
  line: number;
  pc: number;
  /** The goroutine that ran the go statement (0 when unknown: Go 1.20 does not record it). */
  goid: number;
}

export interface Goroutine {
  /** Address of the runtime.g. */
  address: number;
  id: number;
  /** `running`, `runnable`, `waiting`, `syscall`, … (runtime.gStatusStrings). */
  status: string;
  /** Why a waiting goroutine waits (`chan receive`, `IO wait`, …). */
  waitReason?: string;
  /** A runtime goroutine that Go's tracebacks leave out (GC workers, the idle finalizer goroutine, …). */
  system: boolean;
  lockedToThread: boolean;
  stackLo: number;
  stackHi: number;
  /** The function the goroutine started in. */
  startFunction?: string;
  createdBy?: CreatedBy;
  /** The thread a running goroutine ran on; its registers may hold pointers too. */
  thread?: Thread;
  frames: Frame[];
  /** Why the stack walk stopped before the goroutine's first function, when it did. */
  unwindError?: string;
}

/** More goroutines than this means allgs is corrupt (each takes at least a 2 KiB stack). */
const maxGoroutines = 1 << 26;
/** runtime.fingRunningFinalizer: the finalizer goroutine is inside user code. */
const FING_RUNNING_FINALIZER = 2;

export interface ReadGoroutinesOptions {
  /** Unwind each goroutine's stack (default). Without, frames are empty: enough to count goroutines. */
  stacks?: boolean;
}

/** Every goroutine that is not dead, in the runtime's allgs order, with its stack unwound. */
export function readGoroutines(proc: GoProcess, options: ReadGoroutinesOptions = {}): Goroutine[] {
  return [...eachGoroutine(proc, options)];
}

/** readGoroutines one goroutine at a time, for callers that need not hold them all. */
export function* eachGoroutine(proc: GoProcess, options: ReadGoroutinesOptions = {}): Generator<Goroutine> {
  const reader = new GoroutineReader(proc, options.stacks ?? true);
  for (const g of reader.allgs()) {
    const goroutine = reader.read(g);
    if (goroutine) yield goroutine;
  }
}

/** The runtime.g fields read for each goroutine. */
const gFields = [
  'stack.lo', 'stack.hi', 'sched.sp', 'sched.pc', 'syscallsp', 'syscallpc', 'atomicstatus', 'goid', 'waitreason',
  'lockedm', 'gopc', 'startpc',
] as const;
type GField = (typeof gFields)[number];

class GoroutineReader {
  private readonly pcln: PcLnTab;
  private readonly stacks?: StackReader;
  private readonly off: Record<GField, number>;
  /** g.runningCleanups (Go 1.25+): the cleanup goroutine is running user code. */
  private readonly runningCleanupsAt: number | undefined;
  /** g.parentGoid (Go 1.21+): the goroutine that started this one. */
  private readonly parentGoidAt: number | undefined;
  /** Bytes of a g that hold every field read. */
  private readonly gBytes: number;
  private readonly mByCurg = new Map<number, GoM>();
  private readonly threadByTid: Map<number, Thread>;
  private readonly finalizerRunning: boolean;

  constructor(private readonly proc: GoProcess, unwind: boolean) {
    const { image, binary, layout } = proc;
    this.pcln = binary.pclntab;
    if (unwind) this.stacks = new StackReader(proc);
    this.off = Object.fromEntries(gFields.map((f) => [f, layout.offset('runtime.g', f)])) as Record<GField, number>;
    this.runningCleanupsAt = layout.tryOffset('runtime.g', 'runningCleanups');
    this.parentGoidAt = layout.tryOffset('runtime.g', 'parentGoid');
    this.gBytes = Math.max(...Object.values(this.off), this.runningCleanupsAt ?? 0, this.parentGoidAt ?? 0) + 8;
    for (const m of readMs(proc) ?? []) if (m.curg) this.mByCurg.set(m.curg, m);
    this.threadByTid = new Map(image.threads.map((t) => [t.pid, t]));
    const fing = proc.globals.fingStatus;
    this.finalizerRunning = fing !== undefined && image.isMapped(fing, 4) && (image.readU32(fing) & FING_RUNNING_FINALIZER) !== 0;
  }

  allgs(): number[] {
    const { image: mem } = this.proc;
    const at = this.proc.global('allgs');
    if (!mem.isMapped(at, sliceHeaderSize)) {
      throw new UserError('badInputData', `the goroutine list (runtime.allgs at ${hex(at)}) is not in the core; the core was cut short or made without the program's data.`);
    }
    const { ptr, len } = readSliceHeader(mem, at);
    if (len > maxGoroutines || !mem.isMapped(ptr, len * 8)) {
      throw new UserError(
        'badInputData',
        `the goroutine list (runtime.allgs: ${len} entries at ${hex(ptr)}) is not readable in the core; the core is damaged or was cut short.`,
      );
    }
    const raw = mem.read(ptr, len * 8);
    const gs: number[] = [];
    for (let i = 0; i < len; i++) gs.push(u64(raw, i * 8));
    return gs;
  }

  read(g: number): Goroutine | undefined {
    const { image: mem } = this.proc;
    if (g === 0 || !mem.isMapped(g, this.gBytes)) return undefined;
    const raw = mem.read(g, this.gBytes);
    const field = (name: GField) => u64(raw, this.off[name]);
    const status = raw.readUInt32LE(this.off.atomicstatus) & ~G_SCAN;
    if (isDead(status)) return undefined;
    const id = field('goid');
    const startpc = field('startpc');
    const goroutine: Goroutine = {
      address: g,
      id,
      status: statusName(status),
      system: this.isSystem(startpc, this.runningCleanupsAt !== undefined && raw[this.runningCleanupsAt] !== 0),
      lockedToThread: field('lockedm') !== 0,
      stackLo: field('stack.lo'),
      stackHi: field('stack.hi'),
      frames: [],
    };
    const reason = status === GStatus.waiting || status === GStatus.leaked ? waitReasonText(raw[this.off.waitreason]!, this.proc.binary.version.minor) : undefined;
    if (reason) goroutine.waitReason = reason;
    const start = this.pcln.funcForPC(startpc);
    if (start) goroutine.startFunction = start.name;
    const createdBy = id === 1 ? undefined : this.createdBy(field('gopc'), this.parentGoidAt === undefined ? 0 : u64(raw, this.parentGoidAt));
    if (createdBy) goroutine.createdBy = createdBy;
    if (!this.stacks) return goroutine;

    const saved = this.savedStart(field);
    const { stack, thread } = this.stack(this.stacks, g, status, saved, field);
    if (thread) goroutine.thread = thread;
    goroutine.frames = stack.frames;
    if (stack.unwindError) goroutine.unwindError = stack.unwindError;
    return goroutine;
  }

  /** Walks the stack from where the goroutine is: its thread's registers if running, else its saved state. */
  private stack(
    stacks: StackReader,
    g: number,
    status: number,
    saved: UnwindStart | undefined,
    field: (name: GField) => number,
  ): { stack: Stack; thread?: Thread } {
    if (status !== GStatus.running) return { stack: saved ? stacks.read(saved) : { frames: [] } };
    const m = this.mByCurg.get(g);
    const thread = m && this.threadByTid.get(m.procid);
    if (m && thread) {
      const { rip, rsp } = thread.registers;
      // In the vDSO (time.Now) the registers are outside Go; the runtime left the caller's PC and SP in the M.
      const inVdso = !this.pcln.funcForPC(rip) && m.vdsoSP !== 0;
      const start: UnwindStart = inVdso ? { pc: m.vdsoPC, sp: m.vdsoSP, trap: false } : { pc: rip, sp: rsp, trap: true };
      const exit = { g0Lo: m.g0Lo, g0Hi: m.g0Hi, schedPc: field('sched.pc'), schedSp: field('sched.sp') };
      return { stack: stacks.read(start, exit), thread };
    }
    const stack = saved ? stacks.read(saved) : { frames: [] };
    const why = 'it was running on a thread the core does not show; frames are from its last saved state';
    return { stack: { ...stack, unwindError: stack.unwindError ? `${why}; ${stack.unwindError}` : why } };
  }

  /** runtime.unwinder.initAt for a stopped goroutine: the syscall entry state if set, else g.sched. */
  private savedStart(field: (name: GField) => number): UnwindStart | undefined {
    const syscallsp = field('syscallsp');
    if (syscallsp !== 0) return { pc: field('syscallpc'), sp: syscallsp, trap: false, syscall: true };
    const sp = field('sched.sp');
    return sp === 0 ? undefined : { pc: field('sched.pc'), sp, trap: false };
  }

  /** runtime.printcreatedby: the function holding g.gopc, at the CALL of newproc. */
  private createdBy(gopc: number, parentGoid: number): CreatedBy | undefined {
    const fn = this.pcln.funcForPC(gopc);
    if (!fn) return undefined;
    const { file, line } = fn.fileLine(gopc > fn.entry ? gopc - 1 : gopc);
    return { function: fn.name, file, line, pc: gopc, goid: parentGoid };
  }

  /** runtime.isSystemGoroutine (non-fixed): runtime goroutines, but not the finalizer or cleanup goroutines while they run user code. */
  private isSystem(startpc: number, runningCleanups: boolean): boolean {
    const fn = this.pcln.funcForPC(startpc);
    if (!fn) return false;
    switch (fn.special ?? fn.name) {
      case 'main':
      case 'corostart':
      case 'handleAsyncEvent':
        return false;
      case 'runFinalizers':
      case 'runfinq': // its name before Go 1.25
        return !this.finalizerRunning;
      case 'runCleanups':
        return !runningCleanups;
      default:
        return fn.name.startsWith('runtime.');
    }
  }
}
