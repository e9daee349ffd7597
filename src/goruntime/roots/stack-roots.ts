import type { DwarfInfo, DwarfType } from '../../dwarf/index.js';
import { evaluateLocation } from '../../dwarf/index.js';
import type { AddressSpace } from '../../core/address-space.js';
import { REGISTER_NAMES } from '../../elf/core-notes.js';
import type { Frame, Goroutine } from '../goroutines.js';
import type { HeapRoot, RootSlot } from './heap-root.js';

const ptrSize = 8;

/** A variable's place in a frame, when it lives in memory there. */
interface FrameVariable {
  name: string;
  function: string;
  addr: number;
  size: number;
  type: DwarfType | undefined;
}

/**
 * Roots in goroutine stacks: each frame's live pointer slots (from the stack maps, or every word of a
 * conservative frame), grouped into the DWARF variables that contain them and named
 * `goroutine 42 main.worker · list`; slots no variable covers become `· (temporaries)`. The registers of
 * running goroutines are roots too, since a pointer may live only there.
 */
export function readStackRoots(
  mem: AddressSpace,
  goroutines: readonly Goroutine[],
  dwarf: DwarfInfo | undefined,
  typesBase: number,
  /** PIE load bias: DWARF holds link-time PCs. */
  loadBias: number,
): HeapRoot[] {
  const roots: HeapRoot[] = [];
  for (const g of goroutines) {
    for (const frame of g.frames) {
      const slots = [...frame.livePointerSlots, ...frame.stackObjects.flatMap((o) => o.pointerSlots)];
      if (slots.length === 0) continue;
      const variables = dwarf ? frameVariables(dwarf, frame, loadBias) : [];
      roots.push(...frameRoots(mem, g.id, frame, [...new Set(slots)].sort((a, b) => a - b), variables, typesBase));
    }
    if (g.thread) roots.push(registerRoot(g));
  }
  return roots;
}

function frameRoots(mem: AddressSpace, goid: number, frame: Frame, slots: number[], variables: FrameVariable[], typesBase: number): HeapRoot[] {
  const byVariable = new Map<FrameVariable | undefined, RootSlot[]>();
  for (const addr of slots) {
    const value = readWord(mem, addr);
    if (value === 0) continue;
    const v = variables.find((x) => addr >= x.addr && addr < x.addr + x.size);
    const list = byVariable.get(v) ?? [];
    list.push({ offset: addr - (v?.addr ?? 0), value, declared: 0 });
    byVariable.set(v, list);
  }
  return [...byVariable].map(([v, rootSlots]) => {
    if (!v) {
      return { kind: 'goroutine', name: `goroutine ${goid} ${frame.function} · (temporaries)`, rank: goid, addr: 0, typeAddr: 0, slots: rootSlots };
    }
    const rtOffset = v.type?.runtimeTypeOffset ?? 0;
    return {
      kind: 'goroutine',
      name: `goroutine ${goid} ${v.function} · ${v.name}`,
      rank: goid,
      addr: v.addr,
      typeAddr: rtOffset ? typesBase + rtOffset : 0,
      ...(v.type ? { dwarfType: v.type } : {}),
      slots: rootSlots,
    };
  });
}

/** The frame's variables that live in memory at its pc, from DWARF. */
function frameVariables(dwarf: DwarfInfo, frame: Frame, loadBias: number): FrameVariable[] {
  const pc = frame.pc - loadBias;
  const fn = dwarf.functionAt(pc);
  if (!fn) return [];
  const out: FrameVariable[] = [];
  for (const v of fn.variables()) {
    const size = v.type?.size ?? 0;
    if (size <= 0) continue;
    let addr: number | undefined;
    if (v.frameOffset !== undefined) addr = frame.fp + v.frameOffset;
    else {
      const expr = v.locationAt(pc);
      const pieces = expr ? evaluateLocation(expr, { cfa: frame.fp }) : [];
      const place = pieces.length === 1 ? pieces[0]!.place : undefined;
      if (place?.kind === 'memory') addr = place.address;
    }
    if (addr !== undefined) out.push({ name: v.name, function: v.inlinedFrom ?? fn.name, addr, size, type: v.type });
  }
  return out;
}

/** A running goroutine's thread registers, scanned conservatively. */
function registerRoot(g: Goroutine): HeapRoot {
  const regs = g.thread!.registers;
  const slots: RootSlot[] = REGISTER_NAMES.flatMap((name, i) => (regs[name] ? [{ offset: i * ptrSize, value: regs[name], declared: 0 }] : []));
  const fn = g.frames[0]?.function ?? 'unknown';
  return { kind: 'goroutine', name: `goroutine ${g.id} ${fn} · registers`, rank: g.id, addr: 0, typeAddr: 0, slots };
}

function readWord(mem: AddressSpace, addr: number): number {
  return mem.isMapped(addr, ptrSize) ? mem.readPtr(addr) : 0;
}
