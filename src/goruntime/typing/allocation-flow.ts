import { type Instruction, Opcode } from '../stripped/x86-decoder.js';

/** What a global is assigned from an allocation: `g = &T{}` (an object) or `g = make([]T, n)` (a slice). */
export interface GlobalAllocation {
  type: number;
  slice: boolean;
}

/** How a runtime allocation function takes its type: in RAX (newobject, makeslice) or RBX (mallocgc and its size-specialized forms). */
export interface Allocator {
  typeIn: number;
  slice: boolean;
}

const rax = 0;
const rbx = 3;
const rsp = 4;
const { lea, call, movStore, movLoad } = Opcode;
/**
 * A callee may write the register-argument spill space at the bottom of its caller's frame; the
 * caller's own spill slots sit above it. Slots this close to RSP are forgotten at every call.
 */
const calleeSpillBytes = 192;
/** The widest store Go code makes to a stack slot (MOVUPS, 16 bytes), with room to spare. */
const widestStore = 32;

/** Sorts the functions a call can reach: allocators, the write barrier (which keeps all registers but R11), others. */
export function allocatorOf(functionName: (entry: number) => string): (entry: number) => Allocator | 'preserves' | undefined {
  const cache = new Map<number, Allocator | 'preserves' | undefined>();
  return (entry) => {
    if (cache.has(entry)) return cache.get(entry);
    const name = functionName(entry);
    const kind: Allocator | 'preserves' | undefined =
      name === 'runtime.newobject' ? { typeIn: rax, slice: false }
      : name === 'runtime.makeslice' ? { typeIn: rax, slice: true }
      : name === 'runtime.mallocgc' || name.startsWith('runtime.mallocgcSmall') ? { typeIn: rbx, slice: false }
      : name.startsWith('runtime.gcWriteBarrier') ? 'preserves'
      : undefined;
    cache.set(entry, kind);
    return kind;
  };
}

/** What the code knows at one point: which registers and which stack slots (by RSP offset) hold an allocation's result. */
interface FlowState {
  regs: Array<GlobalAllocation | undefined>;
  stack: Map<number, GlobalAllocation>;
}

const sameAllocation = (a: GlobalAllocation | undefined, b: GlobalAllocation | undefined) => a === b || (!!a && !!b && a.type === b.type && a.slice === b.slice);

/**
 * The globals a function's code assigns straight from an allocation: a type loaded by LEA into the
 * allocator's type register, the call, then the result moved through registers and the function's
 * stack slots into `MOV [rip+global], reg`. Forward jumps merge what their paths agree on; a
 * backward jump's target, an indirect jump and anything that may change a register or slot forget it.
 */
export function allocationStores(
  code: readonly Instruction[],
  allocator: (entry: number) => Allocator | 'preserves' | undefined,
  isType: (addr: number) => boolean,
  isGlobal: (addr: number) => boolean,
): Array<[number, GlobalAllocation]> {
  const out: Array<[number, GlobalAllocation]> = [];
  const backwardTargets = new Set<number>();
  for (const inst of code) if (inst.branchTarget !== undefined && inst.opcode !== call && inst.branchTarget <= inst.address) backwardTargets.add(inst.branchTarget);
  const incoming = new Map<number, FlowState[]>();
  const loaded: Array<number | undefined> = [];
  let state: FlowState = emptyState();
  let fallsThrough = true;
  for (const inst of code) {
    const into = incoming.get(inst.address);
    if (backwardTargets.has(inst.address) || (!into && !fallsThrough)) state = emptyState();
    else if (into) state = merge(fallsThrough ? [state, ...into] : into);
    if (into || backwardTargets.has(inst.address) || !fallsThrough) loaded.length = 0;
    fallsThrough = !endsBlock(inst);
    const { regs, stack } = state;
    if (inst.opcode === call && inst.branchTarget !== undefined) {
      const kind = allocator(inst.branchTarget);
      if (kind === 'preserves') continue;
      const type = kind ? loaded[kind.typeIn] : undefined;
      regs.length = 0;
      if (kind && type !== undefined) regs[rax] = { type, slice: kind.slice };
      for (const offset of stack.keys()) if (offset < calleeSpillBytes) stack.delete(offset);
      loaded.length = 0;
      continue;
    }
    if (inst.branchTarget !== undefined && inst.branchTarget > inst.address) {
      const list = incoming.get(inst.branchTarget) ?? [];
      list.push({ regs: [...regs], stack: new Map(stack) });
      incoming.set(inst.branchTarget, list);
    }
    if (inst.opcode === lea && inst.reg !== undefined && inst.ripTarget !== undefined && isType(inst.ripTarget)) {
      loaded[inst.reg] = inst.ripTarget;
      regs[inst.reg] = undefined;
      continue;
    }
    if (inst.rexW && inst.reg !== undefined && (inst.opcode === movStore || inst.opcode === movLoad) && moveAllocation(inst, state, out, isGlobal)) {
      loaded[inst.opcode === movStore ? (inst.rmReg ?? -1) : inst.reg] = undefined;
      continue;
    }
    if (inst.memBase === rsp && inst.memDisp !== undefined && !readsMemoryOnly.has(inst.opcode)) {
      for (const offset of stack.keys()) if (offset > inst.memDisp - 8 && offset < inst.memDisp + widestStore) stack.delete(offset);
    }
    const written = writtenRegister(inst);
    if (written === 'any') {
      regs.length = 0;
      loaded.length = 0;
    } else if (written !== undefined) {
      regs[written] = undefined;
      loaded[written] = undefined;
      if (written === rsp) stack.clear();
    }
  }
  return out;
}

/**
 * A 64-bit MOV between registers, stack slots and globals: carries what it moves. Returns false for
 * a MOV the generic rules handle (to or from other memory).
 */
function moveAllocation(inst: Instruction, { regs, stack }: FlowState, out: Array<[number, GlobalAllocation]>, isGlobal: (addr: number) => boolean): boolean {
  const reg = inst.reg!;
  if (inst.opcode === movStore) {
    const held = regs[reg];
    if (inst.rmReg !== undefined) regs[inst.rmReg] = held;
    else if (inst.ripTarget !== undefined && isGlobal(inst.ripTarget)) {
      if (held) out.push([inst.ripTarget, held]);
    } else if (inst.memBase === rsp && inst.memDisp !== undefined) {
      if (held) stack.set(inst.memDisp, held);
      else stack.delete(inst.memDisp);
    } else {
      return false;
    }
    return true;
  }
  if (inst.rmReg !== undefined) regs[reg] = regs[inst.rmReg];
  else if (inst.memBase === rsp && inst.memDisp !== undefined) regs[reg] = stack.get(inst.memDisp);
  else regs[reg] = undefined;
  return true;
}

function emptyState(): FlowState {
  return { regs: [], stack: new Map() };
}

/** What all the states agree on. */
function merge(states: FlowState[]): FlowState {
  const [first, ...rest] = states;
  const merged = emptyState();
  if (!first) return merged;
  first.regs.forEach((held, reg) => {
    if (held && rest.every((s) => sameAllocation(s.regs[reg], held))) merged.regs[reg] = held;
  });
  for (const [offset, held] of first.stack) if (rest.every((s) => sameAllocation(s.stack.get(offset), held))) merged.stack.set(offset, held);
  return merged;
}

/** Opcodes with a memory operand that they only read (loads, compares, tests, SSE loads). */
const readsMemoryOnly = new Set([
  0x8b, 0x8d, 0x03, 0x0b, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x3b, 0x39, 0x38, 0x3a, 0x84, 0x85, 0x63, 0x0fb6, 0x0fb7, 0x0fbe,
  0x0fbf, 0x0f10, 0x0f28, 0x0f6f, 0x0f2c, 0x0f2d, 0x0faf, ...Array.from({ length: 16 }, (_, i) => 0x0f40 + i),
]);

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
