import type { HeapRoot } from './heap-root.js';
import type { DeclaredType, PointerSlot } from '../binary/pointer-slots.js';

/** A global root before naming: `named` is false for pointer words no symbol covers. */
export interface GlobalCandidate {
  root: HeapRoot;
  named: boolean;
}

/**
 * Package-level `var broker = &Broker{}` points at a Broker the compiler placed in data/bss, which has
 * no symbol of its own: its pointer words come out as unnamed roots. This gives such words back to the
 * global that points at them: one root named like that global, typed as the pointed-to type, at the
 * static object's address, so the graph reads `global main.broker` → `.subscribers …`.
 */
export function adoptStaticObjects(
  candidates: readonly GlobalCandidate[],
  slotsOf: (root: HeapRoot) => PointerSlot[] | undefined,
  isStatic: (addr: number) => boolean,
): HeapRoot[] {
  const unnamed = candidates.filter((c) => !c.named).map((c) => c.root).sort((a, b) => a.addr - b.addr);
  const adopted = new Set<HeapRoot>();
  const extra: HeapRoot[] = [];
  for (const { root, named } of candidates) {
    if (!named || !root.addr) continue;
    for (const slot of slotsOf(root) ?? []) {
      if (slot.kind !== 'pointer') continue;
      const target = readSlot(root, slot);
      const elem = slot.type.elem();
      const size = elem?.size ?? slot.type.dwarfElem?.size ?? 0;
      if (!target || size <= 0 || !isStatic(target)) continue;
      const words = unnamed.filter((u) => !adopted.has(u) && u.addr >= target && u.addr < target + size);
      if (words.length === 0) continue;
      for (const w of words) adopted.add(w);
      extra.push(staticRoot(root, slot.type, target, words));
    }
  }
  return [...candidates.map((c) => c.root).filter((r) => !adopted.has(r)), ...extra];
}

/** The value of a pointer slot of a global, when the root recorded it (non-zero pointer words only). */
function readSlot(root: HeapRoot, slot: PointerSlot): number | undefined {
  return root.slots.find((s) => s.offset === slot.offset)?.value;
}

function staticRoot(holder: HeapRoot, declared: DeclaredType, addr: number, words: HeapRoot[]): HeapRoot {
  const elem = declared.elem();
  return {
    kind: 'global',
    name: `${holder.name} → ${declared.string} (static)`,
    rank: 0,
    addr,
    typeAddr: elem?.addr ?? 0,
    ...(!elem && declared.dwarfElem ? { dwarfType: declared.dwarfElem } : {}),
    slots: words.flatMap((w) => w.slots.map((s) => ({ ...s, offset: s.offset + w.addr - addr }))),
  };
}
