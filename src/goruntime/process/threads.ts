import type { Thread } from '../../core/process-image.js';
import type { GoProcess } from './go-process.js';
import { type Stack, StackReader } from './stack-frames.js';

/** One runtime.m: an OS thread as the Go scheduler knows it. */
export interface GoM {
  address: number;
  id: number;
  /** The OS thread id (LWP). */
  procid: number;
  /** The goroutine the M runs, 0 when it runs none (idle, spinning, in the scheduler). */
  curg: number;
  /** The M's scheduling stack, on which systemstack and morestack run. */
  g0: number;
  g0Lo: number;
  g0Hi: number;
  /** Where the M's goroutine called into the vDSO (its caller's SP and return PC), 0 when it is not there. */
  vdsoSP: number;
  vdsoPC: number;
}

/** A thread of the core with the M that ran on it, when the runtime knows it. */
export interface GoThread {
  thread: Thread;
  m?: GoM;
}

/** More Ms than this means allm is corrupt (the runtime's default limit is 10000 threads). */
const maxMs = 1 << 16;

/** Walks runtime.allm through m.alllink; undefined when the binary has no allm symbol or the core lacks it. */
export function readMs(proc: GoProcess): GoM[] | undefined {
  const { image: mem, layout } = proc;
  if (proc.globals.allm === undefined || !mem.isMapped(proc.globals.allm, 8)) return undefined;
  const off = (field: string) => layout.offset('runtime.m', field);
  const gStack = (g: number): [number, number] =>
    g && mem.isMapped(g, 16) ? [mem.readPtr(g + layout.offset('runtime.g', 'stack.lo')), mem.readPtr(g + layout.offset('runtime.g', 'stack.hi'))] : [0, 0];
  const ms: GoM[] = [];
  const seen = new Set<number>();
  for (let m = mem.readPtr(proc.globals.allm); m !== 0 && !seen.has(m) && ms.length < maxMs; m = mem.readPtr(m + off('alllink'))) {
    seen.add(m);
    if (!mem.isMapped(m, off('vdsoPC') + 8)) break; // the last field read, far into the struct
    const g0 = mem.readPtr(m + off('g0'));
    const [g0Lo, g0Hi] = gStack(g0);
    ms.push({
      address: m,
      id: mem.readI64(m + off('id')),
      procid: mem.readU64(m + off('procid')),
      curg: mem.readPtr(m + off('curg')),
      g0,
      g0Lo,
      g0Hi,
      vdsoSP: mem.readPtr(m + off('vdsoSP')),
      vdsoPC: mem.readPtr(m + off('vdsoPC')),
    });
  }
  return ms;
}

/** Pairs each thread of the core with its M by thread id (m.procid). */
export function readThreads(proc: GoProcess): GoThread[] {
  const byProcid = new Map((readMs(proc) ?? []).map((m) => [m.procid, m]));
  return proc.image.threads.map((thread) => {
    const m = byProcid.get(thread.pid);
    return m ? { thread, m } : { thread };
  });
}

/**
 * Each thread's stack from its registers, through Go's signal handler to the interrupted code and
 * from the system stack to the goroutine the thread runs, if any.
 */
export function readThreadStacks(proc: GoProcess, stacks = new StackReader(proc)): Array<GoThread & Stack> {
  const { image: mem, layout } = proc;
  const pcAt = layout.offset('runtime.g', 'sched.pc');
  const spAt = layout.offset('runtime.g', 'sched.sp');
  return readThreads(proc).map((t) => {
    const { rip, rsp } = t.thread.registers;
    const curg = t.m?.curg ?? 0;
    const exit =
      t.m && curg && mem.isMapped(curg + spAt, 16)
        ? { g0Lo: t.m.g0Lo, g0Hi: t.m.g0Hi, schedPc: mem.readPtr(curg + pcAt), schedSp: mem.readPtr(curg + spAt) }
        : undefined;
    return { ...t, ...stacks.read({ pc: rip, sp: rsp, trap: true }, exit) };
  });
}
