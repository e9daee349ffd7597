import { MemoryFault, type AddressSpace } from '../../core/address-space.js';
import { Kind } from '../layout/abi-layout.js';
import type { GoProcess } from '../process/go-process.js';
import type { SpanTable } from '../heap/spans.js';
import type { HeapRoot, RootSlot } from './heap-root.js';
import { ptrSize } from '../arch.js';
import { readSliceHeader } from '../layout/go-struct.js';
import { cleanupEntry } from '../process/runtime-structures.js';
import { hex } from '../../util/bytes.js';

/** Bounds on lists walked in untrusted memory. */
const maxListLength = 1 << 22;

/** One entry of a runtime queue block: its size, and where it keeps its function, argument and argument type. */
interface QueueEntry {
  size: number;
  fn: number;
  arg?: number;
  argType?: number;
}

/**
 * The special record kinds read here (runtime/mheap.go _KindSpecial*): 1.23 added weak handles and
 * 1.24 cleanups, and 1.25 renumbered them all to put tiny blocks first.
 */
function specialKinds(minor: number): { finalizer: number; cleanup?: number } {
  if (minor >= 25) return { finalizer: 2, cleanup: 7 };
  return minor === 24 ? { finalizer: 1, cleanup: 6 } : { finalizer: 1 };
}

/**
 * The runtime's own roots besides globals and stacks: finalizers and cleanups attached to objects
 * (span specials), the queue of finalizers waiting to run, queued cleanups, and each P's tiny block.
 */
export function readRuntimeRoots(proc: GoProcess, spans: SpanTable): { roots: HeapRoot[]; warnings: string[] } {
  const reader = new RuntimeRootReader(proc);
  const roots = [
    ...reader.specials(spans),
    ...reader.finalizerQueue(),
    ...reader.cleanupQueue(),
    ...reader.tinyBlocks(),
  ];
  return { roots, warnings: reader.warnings };
}

class RuntimeRootReader {
  readonly warnings: string[] = [];
  private readonly mem: AddressSpace;

  constructor(private readonly proc: GoProcess) {
    this.mem = proc.image;
  }

  private off(struct: string, field: string): number {
    return this.proc.layout.offset(struct, field);
  }

  private word(addr: number): number {
    return this.mem.readPtr(addr);
  }

  /** Name of the function a funcval points to (its first word is the code pointer). */
  private funcName(funcval: number): string {
    try {
      return (funcval && this.proc.binary.pclntab.funcForPC(this.word(funcval))?.name) || 'unknown function';
    } catch (err) {
      if (err instanceof MemoryFault) return 'unknown function';
      throw err;
    }
  }

  /** The element type name of a *T type descriptor (a finalizer's object type). */
  private pointeeName(ptrType: number): string {
    const t = ptrType ? this.proc.binary.types.typeAt(ptrType) : undefined;
    return (t?.kind === Kind.Pointer ? t.elem()?.string : undefined) ?? 'an object';
  }

  /** Runs `read`, turning a fault in the core's memory into a warning. */
  private guarded<T>(what: string, fallback: T, read: () => T): T {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof MemoryFault)) throw err;
      this.warnings.push(`${what} could not be read (${err.message}); its roots are missing`);
      return fallback;
    }
  }

  specials(spans: SpanTable): HeapRoot[] {
    const roots: HeapRoot[] = [];
    const minor = this.proc.binary.version.minor;
    const kinds = specialKinds(minor);
    const next = this.off('runtime.special', 'next');
    const offset = this.off('runtime.special', 'offset');
    // special.offset was a uint16 until Go 1.24 made it a uintptr.
    const readOffset = minor >= 24 ? (at: number) => this.mem.readU64(at) : (at: number) => this.mem.readU16(at);
    const kind = this.off('runtime.special', 'kind');
    const finFn = this.off('runtime.specialfinalizer', 'fn');
    const finOt = this.off('runtime.specialfinalizer', 'ot');
    const cleanupSlots = kinds.cleanup !== undefined ? this.cleanupSlots() : undefined;
    for (let s = 0; s < spans.count; s++) {
      this.guarded(`the special records of the span at ${hex(spans.start[s]!)}`, undefined, () => {
        let steps = 0;
        for (let sp = spans.specials[s]!; sp !== 0 && steps < maxListLength; sp = this.word(sp + next), steps++) {
          const object = spans.start[s]! + readOffset(sp + offset);
          const k = this.mem.readU8(sp + kind);
          if (k === kinds.finalizer) {
            const fn = this.word(sp + finFn);
            const ot = this.word(sp + finOt);
            roots.push({
              ...runtimeRoot('finalizer', `finalizer ${this.funcName(fn)} on ${this.pointeeName(ot)}`, [{ offset: finFn, value: fn, declared: 0 }], object),
              referentsOfType: ot,
            });
          } else if (k === kinds.cleanup && cleanupSlots) {
            const slots = cleanupSlots.map((at) => ({ offset: at, value: this.word(sp + at), declared: 0 }));
            roots.push(runtimeRoot('cleanup', `cleanup ${this.funcName(slots[0]!.value)}`, slots));
          }
        }
      });
    }
    return roots;
  }

  /**
   * Where a specialCleanup keeps its pointers, the function first: Go 1.24 and 1.25 hold one closure
   * (`fn`, which captured the argument), 1.26+ a cleanupFn with the function and its argument.
   */
  private cleanupSlots(): number[] {
    const fn = this.proc.layout.tryOffset('runtime.specialCleanup', 'fn');
    if (fn !== undefined) return [fn];
    const cleanup = this.off('runtime.specialCleanup', 'cleanup');
    return [cleanup + this.off('runtime.cleanupFn', 'fn'), cleanup + this.off('runtime.cleanupFn', 'arg')];
  }

  /** runtime.allfin: every block of queued finalizers; each entry keeps its function and object. */
  finalizerQueue(): HeapRoot[] {
    const allfin = this.proc.globals.allfin;
    if (allfin === undefined) return [];
    return this.queue('finalizer', 'queued finalizer', allfin, { block: 'runtime.finBlock', next: 'alllink', count: 'cnt', entries: 'fin', entry: this.finalizerEntry() });
  }

  /** runtime.gcCleanups.all: blocks of cleanups queued to run. */
  cleanupQueue(): HeapRoot[] {
    const queue = this.proc.globals.gcCleanups;
    if (queue === undefined) return [];
    return this.queue('cleanup', 'queued cleanup', queue + this.off('runtime.cleanupQueue', 'all'), {
      block: 'runtime.cleanupBlock', next: 'cleanupBlockHeader.alllink', count: 'cleanupBlockHeader.n', entries: 'cleanups',
      entry: cleanupEntry(this.proc.layout),
    });
  }

  /** A runtime.finalizer: function, object, and the object's pointer type. */
  private finalizerEntry(): QueueEntry {
    const fn = this.off('runtime.finalizer', 'fn');
    return { size: this.proc.layout.size('runtime.finalizer'), fn, arg: this.off('runtime.finalizer', 'arg'), argType: this.off('runtime.finalizer', 'ot') };
  }

  /**
   * A runtime work queue kept as a list of blocks (the first one's address stored at `head`), each
   * holding `count` entries with a function at `entry.fn` and, where the entry has one, its argument
   * and the argument's pointer type: one root per entry.
   */
  private queue(
    kind: HeapRoot['kind'],
    label: string,
    head: number,
    s: { block: string; next: string; count: string; entries: string; entry: QueueEntry },
  ): HeapRoot[] {
    const roots: HeapRoot[] = [];
    const next = this.off(s.block, s.next);
    const count = this.off(s.block, s.count);
    const entries = this.off(s.block, s.entries);
    const { size, fn, arg, argType } = s.entry;
    this.guarded(`the ${label} list`, undefined, () => {
      let steps = 0;
      for (let block = this.word(head); block !== 0 && steps < maxListLength; block = this.word(block + next), steps++) {
        const n = Math.min(this.mem.readU32(block + count), maxListLength);
        for (let i = 0; i < n; i++) {
          const entry = block + entries + i * size;
          const f = this.word(entry + fn);
          const slots: RootSlot[] = [{ offset: fn, value: f, declared: 0 }];
          if (arg !== undefined) slots.push({ offset: arg, value: this.word(entry + arg), declared: argType !== undefined ? this.word(entry + argType) : 0 });
          roots.push(runtimeRoot(kind, `${label} ${this.funcName(f)}`, slots));
        }
      }
    });
    return roots;
  }

  /** Each P's current tiny-allocation block is live (gcMarkTinyAllocs). */
  tinyBlocks(): HeapRoot[] {
    const allp = this.proc.globals.allp;
    if (allp === undefined) return [];
    const mcache = this.off('runtime.p', 'mcache');
    const tiny = this.off('runtime.mcache', 'tiny');
    return this.guarded('the Ps', [], () => {
      const { ptr, len: count } = readSliceHeader(this.mem, allp);
      const len = Math.min(count, 1 << 16);
      const slots: RootSlot[] = [];
      for (let i = 0; i < len; i++) {
        const p = this.word(ptr + i * ptrSize);
        const cache = p && this.word(p + mcache);
        const block = cache && this.word(cache + tiny);
        if (block) slots.push({ offset: i * ptrSize, value: block, declared: 0 });
      }
      return slots.length ? [runtimeRoot('runtime', 'runtime tiny allocator blocks', slots)] : [];
    });
  }
}

function runtimeRoot(kind: HeapRoot['kind'], name: string, slots: RootSlot[], referentsOf?: number): HeapRoot {
  return { kind, name, rank: 0, addr: 0, typeAddr: 0, slots, ...(referentsOf !== undefined ? { referentsOf } : {}) };
}
