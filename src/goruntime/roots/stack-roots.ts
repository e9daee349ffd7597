import type { DwarfInfo, DwarfType } from '../../dwarf/index.js';
import { evaluateLocation } from '../../dwarf/index.js';
import { type AddressSpace, wordOrZero } from '../../core/address-space.js';
import { REGISTER_NAMES } from '../../elf/core-notes.js';
import type { GoProcess } from '../process/go-process.js';
import type { Frame, Goroutine } from '../process/goroutines.js';
import type { HeapRoot, RootPiece, RootSlot } from './heap-root.js';
import { ptrSize } from '../arch.js';

/** A variable's place in a frame: the pieces of it that live in memory there. */
interface FrameVariable {
  name: string;
  function: string;
  pieces: RootPiece[];
  type: DwarfType | undefined;
}

/**
 * Roots in goroutine stacks: each frame's live pointer slots (from the stack maps, or every word of a
 * conservative frame), grouped into the DWARF variables that contain them and named
 * `goroutine 42 main.worker · list`; slots no variable covers become `· (temporaries)`. The registers of
 * running goroutines are roots too, since a pointer may live only there.
 */
export function readStackRoots(proc: GoProcess, goroutines: readonly Goroutine[]): HeapRoot[] {
  const { image: mem, dwarf } = proc;
  const typesBase = proc.binary.moduledata.types;
  // DWARF holds link-time PCs: a PIE's are off by its load bias.
  const loadBias = proc.image.loadBias;
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
    const value = wordOrZero(mem, addr);
    if (value === 0) continue;
    let v: FrameVariable | undefined;
    let piece: RootPiece | undefined;
    for (const x of variables) {
      piece = x.pieces.find((p) => addr >= p.addr && addr < p.addr + p.size);
      if (piece) {
        v = x;
        break;
      }
    }
    const list = byVariable.get(v) ?? [];
    list.push({ offset: piece ? piece.offset + addr - piece.addr : addr, value, declared: 0 });
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
      addr: v.pieces[0]!.addr - v.pieces[0]!.offset,
      pieces: v.pieces,
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
    const pieces = v.frameOffset !== undefined ? [{ offset: 0, addr: frame.fp + v.frameOffset, size }] : memoryPieces(v.locationAt(pc), frame.fp, size);
    if (pieces.length) out.push({ name: v.name, function: v.inlinedFrom ?? fn.name, pieces, type: v.type });
  }
  return out;
}

/** The pieces of a variable that its location puts in memory (pieces in registers are not kept). */
function memoryPieces(expr: Buffer | undefined, cfa: number, size: number): RootPiece[] {
  const out: RootPiece[] = [];
  let offset = 0;
  for (const piece of expr ? evaluateLocation(expr, { cfa }) : []) {
    const length = piece.size ?? size - offset;
    if (piece.place.kind === 'memory' && length > 0) out.push({ offset, addr: piece.place.address, size: length });
    offset += length;
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
