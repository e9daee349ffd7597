import type { AddressSpace } from '../../core/address-space.js';
import { Kind } from '../abi-layout.js';
import type { Moduledata } from '../moduledata.js';
import type { PcLnTab } from '../pclntab.js';
import type { RuntimeType, RuntimeTypes } from '../runtime-types.js';
import { decodeInstruction, type Instruction } from '../stripped/x86-decoder.js';

/** Functions bigger than this are not decoded (no Go function comes near it). */
const maxFunctionBytes = 1 << 22;
/** typelinks entries beyond this are corrupt. */
const maxTypelinks = 1 << 22;
const rax = 0;
const rbx = 3;

/** What a global is assigned from an allocation: `g = &T{}` (an object) or `g = make([]T, n)` (a slice). */
export interface GlobalAllocation {
  type: number;
  slice: boolean;
}

/** What the program's code says about its types. */
export interface CodeFacts {
  /**
   * The types the program can allocate: every type descriptor its code takes the address of (LEA
   * [rip+type] is how the compiler passes a type to newobject, makeslice, mallocgc, makemap,
   * makechan and the interface conversions), the types linked for reflection (typelinks, up to Go
   * 1.26), the element types of pointers, slices and arrays among them (what reflection and the
   * runtime allocate from a type they hold) and the group types of maps.
   */
  allocatable: RuntimeType[];
  /** Data and bss words the code assigns straight from one allocation site's result, by address. */
  globalAllocations: Map<number, GlobalAllocation>;
}

export function readCodeFacts(mem: AddressSpace, pclntab: PcLnTab, types: RuntimeTypes, modules: readonly Moduledata[]): CodeFacts {
  const found = new Map<number, RuntimeType>();
  const add = (t: RuntimeType | undefined) => {
    if (t && !found.has(t.addr)) found.set(t.addr, t);
  };
  const isGlobal = (addr: number) => modules.some((md) => addr >= md.data && addr < md.ebss);
  const assignments = new Map<number, GlobalAllocation | null>();
  const allocator = allocatorOf(pclntab);
  for (let i = 0; i < pclntab.nfunc; i++) {
    const fn = pclntab.funcAt(i);
    const length = fn.end - fn.entry;
    if (length <= 0 || length > maxFunctionBytes || !mem.isMapped(fn.entry, length)) continue;
    const code = decode(mem.read(fn.entry, length), fn.entry);
    let storesRax = false;
    for (const inst of code) {
      if (inst.opcode === lea && inst.ripTarget !== undefined && types.moduleOf(inst.ripTarget)) add(types.typeAt(inst.ripTarget));
      else if (inst.opcode === movStore && inst.reg === rax && inst.ripTarget !== undefined) storesRax = true;
    }
    // Only a function that stores RAX to memory RIP-relative can assign a global from an allocation.
    if (!storesRax) continue;
    for (const [global, allocation] of allocationStores(code, allocator, (addr) => types.moduleOf(addr) !== undefined, isGlobal)) {
      const known = assignments.get(global);
      assignments.set(global, known === undefined || (known && known.type === allocation.type && known.slice === allocation.slice) ? allocation : null);
    }
  }
  for (const md of modules) for (const addr of typelinks(mem, md)) add(types.typeAt(addr));
  for (const t of [...found.values()]) {
    if (t.kind === Kind.Pointer || t.kind === Kind.Slice || t.kind === Kind.Array) add(t.elem());
    const group = t.kind === Kind.Map ? t.mapInfo() : undefined;
    if (group?.layout === 'swiss') add(types.typeAt(group.group));
  }
  const globalAllocations = new Map<number, GlobalAllocation>();
  for (const [global, allocation] of assignments) if (allocation) globalAllocations.set(global, allocation);
  return { allocatable: [...found.values()], globalAllocations };
}

const lea = 0x8d;
const call = 0xe8;
const movStore = 0x89;

/** How a runtime allocation function takes its type: in RAX (newobject, makeslice) or RBX (mallocgc and its size-specialized forms). */
interface Allocator {
  typeIn: number;
  slice: boolean;
}

function allocatorOf(pclntab: PcLnTab): (entry: number) => Allocator | 'preserves' | undefined {
  const cache = new Map<number, Allocator | 'preserves' | undefined>();
  return (entry) => {
    if (cache.has(entry)) return cache.get(entry);
    const name = pclntab.funcForPC(entry)?.name ?? '';
    const kind: Allocator | 'preserves' | undefined =
      name === 'runtime.newobject' ? { typeIn: rax, slice: false }
      : name === 'runtime.makeslice' ? { typeIn: rax, slice: true }
      : name === 'runtime.mallocgc' || name.startsWith('runtime.mallocgcSmall') ? { typeIn: rbx, slice: false }
      // The write barrier keeps every general register but R11.
      : name.startsWith('runtime.gcWriteBarrier') ? 'preserves'
      : undefined;
    cache.set(entry, kind);
    return kind;
  };
}

/**
 * `MOV [rip+global], RAX` right after an allocation whose type the code loaded by LEA, with nothing
 * in between that may change RAX, along every path that reaches the store (forward jumps merge
 * their states; a backward jump's target knows nothing).
 */
function allocationStores(
  code: Instruction[],
  allocator: (entry: number) => Allocator | 'preserves' | undefined,
  isType: (addr: number) => boolean,
  isGlobal: (addr: number) => boolean,
): Array<[number, GlobalAllocation]> {
  const out: Array<[number, GlobalAllocation]> = [];
  const backwardTargets = new Set<number>();
  for (const inst of code) if (inst.branchTarget !== undefined && inst.opcode !== call && inst.branchTarget <= inst.address) backwardTargets.add(inst.branchTarget);
  const incoming = new Map<number, Array<GlobalAllocation | undefined>>();
  const loaded: Array<number | undefined> = [];
  let held: GlobalAllocation | undefined;
  let fallsThrough = true;
  for (const inst of code) {
    const into = incoming.get(inst.address);
    if (backwardTargets.has(inst.address)) held = undefined;
    else if (into) held = merge(fallsThrough ? [held, ...into] : into);
    else if (!fallsThrough) held = undefined;
    if (into || backwardTargets.has(inst.address) || !fallsThrough) loaded.length = 0;
    fallsThrough = !endsBlock(inst);
    if (inst.opcode === call && inst.branchTarget !== undefined) {
      const kind = allocator(inst.branchTarget);
      if (kind === 'preserves') continue;
      const type = kind ? loaded[kind.typeIn] : undefined;
      held = kind && type !== undefined ? { type, slice: kind.slice } : undefined;
      loaded.length = 0;
      continue;
    }
    if (inst.branchTarget !== undefined && inst.branchTarget > inst.address) {
      const list = incoming.get(inst.branchTarget) ?? [];
      list.push(held);
      incoming.set(inst.branchTarget, list);
    }
    if (inst.opcode === lea && inst.reg !== undefined && inst.ripTarget !== undefined && isType(inst.ripTarget)) {
      loaded[inst.reg] = inst.ripTarget;
      if (inst.reg === rax) held = undefined;
      continue;
    }
    if (inst.opcode === movStore && inst.rexW && inst.reg === rax && inst.ripTarget !== undefined && isGlobal(inst.ripTarget)) {
      if (held) out.push([inst.ripTarget, held]);
      continue;
    }
    const written = writtenRegister(inst);
    if (written === 'any' || written === rax) held = undefined;
    if (written === 'any') loaded.length = 0;
    else if (written !== undefined) loaded[written] = undefined;
  }
  return out;
}

function merge(states: Array<GlobalAllocation | undefined>): GlobalAllocation | undefined {
  const [first] = states;
  return first && states.every((s) => s && s.type === first.type && s.slice === first.slice) ? first : undefined;
}

/** JMP, RET, indirect JMP, UD2, INT3: the next instruction is not reached by falling through. */
function endsBlock(inst: Instruction): boolean {
  return inst.opcode === 0xe9 || inst.opcode === 0xeb || inst.opcode === 0xc3 || inst.opcode === 0x0f0b || inst.opcode === 0xcc || (inst.opcode === 0xff && (inst.reg === 4 || inst.reg === 5));
}

/** ModRM forms that write their reg operand from r/m: MOV, LEA, ALU, MOVSXD, IMUL, MOVZX/MOVSX, CMOVcc, BSF/BSR, CVTT*2SI. */
const writesReg = new Set([
  0x8b, 0x8d, 0x03, 0x0b, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x63, 0x69, 0x6b, 0x0faf, 0x0fb6, 0x0fb7, 0x0fbe, 0x0fbf,
  0x0fb8, 0x0fbc, 0x0fbd, 0x0f2c, 0x0f2d, ...Array.from({ length: 16 }, (_, i) => 0x0f40 + i),
]);
/** ModRM forms that write their r/m operand: MOV and ALU r/m ← reg, group ops (shifts, INC/DEC, MOV imm), MOVD r/m ← xmm. */
const writesRm = new Set([0x89, 0x88, 0x01, 0x00, 0x09, 0x08, 0x11, 0x10, 0x19, 0x18, 0x21, 0x20, 0x29, 0x28, 0x31, 0x30, 0x80, 0x81, 0x83, 0xc0, 0xc1, 0xd0, 0xd1, 0xd3, 0xc6, 0xc7, 0xfe, 0xff, 0x0f7e]);
/** ModRM forms that write neither general register: compares, tests, and SSE moves and logic between xmm registers and memory. */
const writesNoGpr = new Set([0x38, 0x39, 0x3a, 0x3b, 0x84, 0x85, 0x0f10, 0x0f11, 0x0f28, 0x0f29, 0x0f57, 0x0f6f, 0x0f7f, 0x0fd6, 0x0fef, 0x0f1f, 0x0f18, 0x0f0d]);
/** ALU eAX, imm (ADD, OR, ADC, SBB, AND, SUB, XOR): write RAX; CMP and TEST do not. */
const aluRaxImm = new Set([0x05, 0x0d, 0x15, 0x1d, 0x25, 0x2d, 0x35]);

/**
 * The general register an instruction may write (0–15), 'any' when it cannot be told, undefined
 * when it writes none. Errs towards 'any': a register thought written only loses what we knew.
 */
function writtenRegister(inst: Instruction): number | 'any' | undefined {
  const op = inst.opcode;
  if (inst.reg === undefined) {
    if (inst.branchTarget !== undefined || op === 0x90 || op === 0xc3 || op === 0xcc || op === 0x0f0b || (op >= 0x50 && op <= 0x57)) return undefined;
    if (op >= 0x58 && op <= 0x5f) return inst.opReg; // POP
    if (op >= 0xb8 && op <= 0xbf) return inst.opReg; // MOV r, imm
    if (aluRaxImm.has(op)) return rax;
    return op === 0x3d || op === 0xa9 || op === 0x3c || op === 0xa8 ? undefined : 'any';
  }
  if (writesNoGpr.has(op)) return undefined;
  if (op === 0xf6 || op === 0xf7) return inst.reg <= 1 ? undefined : inst.reg <= 3 ? (inst.rmReg ?? undefined) : 'any';
  if (writesReg.has(op)) return inst.reg;
  if (writesRm.has(op)) {
    if ((op === 0x80 || op === 0x81 || op === 0x83) && inst.reg === 7) return undefined; // CMP r/m, imm
    if (op === 0xff && inst.reg >= 2) return inst.reg <= 3 ? 'any' : undefined; // CALL r/m clobbers; JMP, PUSH r/m write nothing
    return inst.rmReg;
  }
  return 'any';
}

function decode(code: Uint8Array, address: number): Instruction[] {
  const out: Instruction[] = [];
  for (let at = 0; at < code.length; ) {
    const inst = decodeInstruction(code, at, address + at);
    if (!inst) break;
    out.push(inst);
    at += inst.length;
  }
  return out;
}

/** moduledata.typelinks: int32 offsets of types from moduledata.types (absent from Go 1.27 on). */
function typelinks(mem: AddressSpace, md: Moduledata): number[] {
  const links = md.typelinks;
  if (!links || links.len <= 0 || links.len > maxTypelinks || !mem.isMapped(links.ptr, links.len * 4)) return [];
  const offsets = mem.read(links.ptr, links.len * 4);
  const out: number[] = [];
  for (let i = 0; i < links.len; i++) out.push(md.types + offsets.readInt32LE(i * 4));
  return out;
}
