import type { AddressSpace } from '../../core/address-space.js';
import type { ElfSymbol } from '../../elf/elf-file.js';
import { globalsPointerMask } from '../binary/gcprog.js';
import { u64 } from '../../util/bytes.js';
import type { Moduledata } from '../binary/moduledata.js';
import { ptrSize } from '../arch.js';


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
