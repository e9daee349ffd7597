import type { AddressSpace } from '../../core/address-space.js';
import type { ElfSymbol } from '../../elf/elf-file.js';
import { globalsPointerMask } from '../binary/gcprog.js';
import { hex, u64 } from '../../util/bytes.js';
import type { Moduledata } from '../binary/moduledata.js';
import type { PointerSlots } from '../binary/pointer-slots.js';
import type { GoProcess } from '../process/go-process.js';
import { ptrSize } from '../arch.js';
import { sliceHeaderSize } from '../layout/go-struct.js';
import { type HeapRoot, rootTypeSlots } from './heap-root.js';
import { adoptStaticObjects } from './static-objects.js';

/**
 * Data and bss globals as roots, named from the symbol table and typed from DWARF where the binary
 * has them; static objects that globals point to are named after those globals (see
 * static-objects.ts). The runtime's goroutine, M and P lists are runtime roots.
 */
export function globalRootSet(proc: GoProcess, slots: PointerSlots): HeapRoot[] {
  const md = proc.binary.moduledata;
  // The runtime's lists of goroutines, Ms and Ps reach every g (and its defers): walked after the
  // program's own roots, so memory a goroutine holds is charged to that goroutine. Their slice
  // headers are where an unnamed word of a stripped binary can sit. runtime.allgptr points at the
  // same array as allgs, so any global pointing there is one of them.
  const { allgs, allm, allp } = proc.globals;
  const runtimeGlobals = [allgs, allm, allp].filter((a): a is number => a !== undefined);
  const allgsArray = allgs !== undefined ? proc.image.readPtr(allgs) : 0;
  const isRuntimeGlobal = (g: GlobalRoot) =>
    runtimeGlobals.some((r) => g.addr >= r && g.addr < r + sliceHeaderSize) || (allgsArray !== 0 && g.slots.some((s) => s.value === allgsArray));
  const candidates = readGlobalRoots(proc.image, md, proc.image.exe.symbols(), proc.image.loadBias).map((g) => {
    const dwarfType = g.name ? proc.dwarf?.global(g.name)?.type : undefined;
    const rtOffset = dwarfType?.runtimeTypeOffset ?? 0;
    const root: HeapRoot = {
      kind: isRuntimeGlobal(g) ? 'runtime' : 'global',
      name: g.name || `${hex(g.addr)} (${g.section})`,
      rank: 0,
      addr: g.addr,
      typeAddr: rtOffset ? md.types + rtOffset : 0,
      ...(dwarfType ? { dwarfType } : {}),
      slots: g.slots.map((s) => ({ ...s, declared: 0 })),
    };
    return { root, named: g.name !== '' };
  });
  const isStatic = (addr: number) => addr >= md.data && addr < md.ebss;
  return adoptStaticObjects(candidates, (root) => rootTypeSlots(proc.binary.types, slots, root), isStatic);
}

/** A global variable (or an unnamed run of pointer words) that holds pointers. */
export interface GlobalRoot {
  /** Symbol name (`main.sessions`), or '' when the binary has no symbol for it. */
  name: string;
  addr: number;
  size: number;
  section: '.data' | '.bss';
  /** Non-zero pointer words: offset inside the global and the pointer's value. */
  slots: Array<{ offset: number; value: number }>;
}

/**
 * The pointer words of the data and bss sections (see globalsPointerMask), grouped by the global
 * symbol that contains them. Words outside every symbol become unnamed roots of their own.
 */
export function readGlobalRoots(mem: AddressSpace, md: Moduledata, symbols: readonly ElfSymbol[], loadBias: number): GlobalRoot[] {
  const objects = symbols
    .filter((s) => s.type === 1 && s.size > 0)
    .map((s) => ({ name: s.name, addr: s.value + loadBias, size: s.size }))
    .sort((a, b) => a.addr - b.addr);
  const roots: GlobalRoot[] = [];
  const sections = [
    { section: '.data' as const, start: md.data, end: md.edata },
    { section: '.bss' as const, start: md.bss, end: md.ebss },
  ];
  for (const { section, start, end } of sections) {
    const words = Math.floor((end - start) / ptrSize);
    const bits = globalsPointerMask(mem, md, section === '.data' ? 'data' : 'bss');
    const byAddr = new Map<number, GlobalRoot>();
    const memory = mem.read(start, words * ptrSize);
    for (let w = 0; w < words; w++) {
      if (!((bits[w >> 3]! >> (w & 7)) & 1)) continue;
      const value = u64(memory, w * ptrSize);
      if (value === 0) continue;
      const addr = start + w * ptrSize;
      const sym = containing(objects, addr);
      const key = sym ? sym.addr : addr;
      let root = byAddr.get(key);
      if (!root) {
        root = sym
          ? { name: sym.name, addr: sym.addr, size: sym.size, section, slots: [] }
          : { name: '', addr, size: ptrSize, section, slots: [] };
        byAddr.set(key, root);
        roots.push(root);
      }
      root.slots.push({ offset: addr - root.addr, value });
    }
  }
  return roots;
}

function containing(objects: ReadonlyArray<{ name: string; addr: number; size: number }>, addr: number) {
  let lo = 0;
  let hi = objects.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (objects[mid]!.addr <= addr) lo = mid + 1;
    else hi = mid - 1;
  }
  const sym = hi >= 0 ? objects[hi] : undefined;
  return sym && addr < sym.addr + sym.size ? sym : undefined;
}
