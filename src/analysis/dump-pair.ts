import { UserError } from '../errors.js';
import type { GoProcess } from '../goruntime/process/go-process.js';
import { MemoryFault } from '../core/address-space.js';
import { printable } from '../util/bytes.js';

/** What tells two dumps apart: the build that ran, the process, and how far its garbage collector had got. */
export interface DumpIdentity {
  /** The core as the user named it. */
  name: string;
  /** The Go build ID of the running binary, from the core's memory. */
  buildId: string | undefined;
  pid: number | undefined;
  /** Garbage collection cycles the process had finished (mheap_.sweepgen / 2), which only grows. */
  gcCycles: number | undefined;
}

export function dumpIdentity(proc: GoProcess): DumpIdentity {
  const image = proc.image;
  return {
    name: image.coreName,
    buildId: image.exeBuildIdInCore(),
    pid: image.prpsinfo?.pid ?? image.threads[0]?.pid,
    gcCycles: gcCycles(proc),
  };
}

function gcCycles(proc: GoProcess): number | undefined {
  const mheap = proc.globals.mheap;
  const offset = proc.layout.tryOffset('runtime.mheap', 'sweepgen');
  if (mheap === undefined || offset === undefined) return undefined;
  try {
    return Math.floor(proc.image.readU32(mheap + offset) / 2);
  } catch (err) {
    if (err instanceof MemoryFault) return undefined;
    throw err;
  }
}

/**
 * Checks that two dumps can be compared as base and new: the same build (else an error, unless
 * forced), and the base first in time. Within one process the GC cycle count tells the order: a
 * base that is later is an error. Returns warnings where it cannot be told.
 */
export function checkDumpPair(base: DumpIdentity, after: DumpIdentity, force: boolean): string[] {
  const warnings: string[] = [];
  if (base.buildId !== undefined && after.buildId !== undefined && base.buildId !== after.buildId) {
    const detail = `${base.name} and ${after.name} come from different builds (Go build IDs ${printable(base.buildId)} and ${printable(after.buildId)})`;
    if (!force) throw new UserError('binaryMismatch', `${detail}; give two dumps of the same program, or pass --force to compare them anyway.`);
    warnings.push(`${detail}; compared anyway (--force)`);
  }
  if (base.pid === undefined || after.pid === undefined || base.pid !== after.pid) {
    const pids = base.pid !== undefined && after.pid !== undefined ? ` (PIDs ${base.pid} and ${after.pid})` : '';
    warnings.push(`${base.name} and ${after.name} come from two processes${pids}, so which came first cannot be checked; goroutines are matched by their IDs`);
    return warnings;
  }
  if (base.gcCycles === undefined || after.gcCycles === undefined) {
    warnings.push(`the garbage collector's cycle count cannot be read, so which of ${base.name} and ${after.name} came first cannot be checked`);
  } else if (base.gcCycles > after.gcCycles) {
    throw new UserError(
      'usage',
      `${base.name} was dumped after ${after.name} (GC cycle ${base.gcCycles}, against ${after.gcCycles}); give the older dump first: diff BASE NEW BINARY.`,
    );
  } else if (base.gcCycles === after.gcCycles) {
    warnings.push(`${base.name} and ${after.name} were dumped in the same GC cycle (${base.gcCycles}), so which came first cannot be checked`);
  }
  return warnings;
}
