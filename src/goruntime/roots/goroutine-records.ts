import { MemoryFault } from '../../core/address-space.js';
import type { GoProcess } from '../process/go-process.js';
import type { Goroutine } from '../process/goroutines.js';
import type { HeapRoot, RootSlot } from './heap-root.js';

/** Lists longer than this are corrupt (a cycle in the core). */
const maxChain = 1 << 16;

/**
 * What a goroutine holds outside its frames, as the GC's scanstack sees it: its pending defers (each
 * deferred function, and the record itself when it lives on the heap), the values of panics in
 * flight, and the closure context saved in g.sched. Named `goroutine 12 main.f · defer main.f.func1`,
 * `· panic`, `· closure context`.
 */
export function readGoroutineRecords(proc: GoProcess, goroutines: readonly Goroutine[]): { roots: HeapRoot[]; warnings: string[] } {
  const { image: mem, layout, binary: { pclntab } } = proc;
  const warnings: string[] = [];
  const g = { defer: layout.offset('runtime.g', '_defer'), panic: layout.offset('runtime.g', '_panic'), ctxt: layout.offset('runtime.g', 'sched.ctxt') };
  const d = { heap: layout.offset('runtime._defer', 'heap'), pc: layout.offset('runtime._defer', 'pc'), fn: layout.offset('runtime._defer', 'fn'), link: layout.offset('runtime._defer', 'link') };
  const p = { arg: layout.offset('runtime._panic', 'arg'), link: layout.offset('runtime._panic', 'link') };
  const funcName = (pc: number) => pclntab.funcForPC(pc)?.name ?? 'unknown';
  const roots: HeapRoot[] = [];
  for (const gr of goroutines) {
    const root = (what: string, slots: RootSlot[]): void => {
      const nonZero = slots.filter((s) => s.value !== 0);
      if (nonZero.length) roots.push({ kind: 'goroutine', name: `goroutine ${gr.id} ${what}`, rank: gr.id, addr: 0, typeAddr: 0, slots: nonZero });
    };
    try {
      let steps = 0;
      for (let rec = mem.readPtr(gr.address + g.defer); rec !== 0 && steps < maxChain; rec = mem.readPtr(rec + d.link), steps++) {
        const fn = mem.readPtr(rec + d.fn);
        const where = funcName(mem.readPtr(rec + d.pc));
        const deferred = fn && mem.isMapped(fn, 8) ? funcName(mem.readPtr(fn)) : 'nil';
        const slots: RootSlot[] = [{ offset: d.fn, value: fn, declared: 0 }];
        if (mem.readU8(rec + d.heap)) slots.push({ offset: 0, value: rec, declared: 0 });
        root(`${where} · defer ${deferred}`, slots);
      }
      steps = 0;
      for (let rec = mem.readPtr(gr.address + g.panic); rec !== 0 && steps < maxChain; rec = mem.readPtr(rec + p.link), steps++) {
        root(`${gr.frames[0]?.function ?? 'unknown'} · panic`, [
          { offset: p.arg, value: mem.readPtr(rec + p.arg), declared: 0 },
          { offset: p.arg + 8, value: mem.readPtr(rec + p.arg + 8), declared: 0 },
        ]);
      }
      root(`${gr.frames[0]?.function ?? 'unknown'} · closure context`, [{ offset: g.ctxt, value: mem.readPtr(gr.address + g.ctxt), declared: 0 }]);
    } catch (err) {
      if (!(err instanceof MemoryFault)) throw err;
      warnings.push(`the defers or panics of goroutine ${gr.id} could not be read (${err.message}); what they hold may show as unreachable`);
    }
  }
  return { roots, warnings };
}
