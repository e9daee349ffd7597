import type { Moduledata } from '../goruntime/binary/moduledata.js';
import type { HeapObjects } from '../goruntime/heap/heap-objects.js';
import type { HeapRoot } from '../goruntime/roots/heap-root.js';
import { type HeapTyping, Role } from '../goruntime/typing/heap-typing.js';
import { objectTypeName, readableTypeName } from './type-names.js';
import { hex } from '../util/bytes.js';

/** `.bss+0x1a20`: an unnamed global by its section and offset, which stay put across runs of one binary. */
export function sectionOffsetName(md: Moduledata, addr: number): string {
  const section = addr >= md.bss && addr < md.ebss ? '.bss' : addr >= md.data && addr < md.edata ? '.data' : undefined;
  if (!section) return `${hex(addr)}`;
  return `${section}+${hex((addr - (section === '.bss' ? md.bss : md.data)))}`;
}

/**
 * Names every global root of a binary without symbols by where it is and, when the heap knows it,
 * the type of what it points to: `.bss+0x1a20 → map[int64]*main.Session`. Run it once the heap is
 * typed (names feed the root order, so before the retention tree is built). Without symbols each
 * pointer word of .data and .bss is a root of its own, so there is one object to describe.
 */
export function nameStrippedGlobals(
  roots: readonly HeapRoot[], objects: HeapObjects, typing: HeapTyping, md: Moduledata, funcName: (entry: number) => string | undefined, counts = true,
): void {
  for (const root of roots) {
    if ((root.kind !== 'global' && root.kind !== 'runtime') || root.addr === 0) continue; // not a data/bss word
    const where = sectionOffsetName(md, root.addr);
    const targets = [...new Set(root.slots.map((s) => objects.find(s.value)).filter((obj) => obj >= 0))];
    const pointee = targets.length === 1 ? pointeeName(typing, targets[0]!, funcName, counts) : undefined;
    root.name = pointee ? `${where} → ${pointee}` : where;
  }
}

/** The type of an object as a global declares it: a map or channel by its own type, not its role. */
function pointeeName(typing: HeapTyping, obj: number, funcName: (entry: number) => string | undefined, counts: boolean): string | undefined {
  switch (typing.role[obj]) {
    case Role.unknown:
      return undefined;
    case Role.mapHeader:
    case Role.chan:
      return readableTypeName(typing.types.typeAt(typing.type[obj]!)?.string ?? '') || undefined;
    default:
      return objectTypeName(typing, obj, funcName, counts);
  }
}
