import { type Instruction, Opcode } from '../../x86/decoder.js';
import { endsBlock, instructionEffect, isIndirectJump, isReturn, Register, zeroedRegister } from '../../x86/effects.js';

/** What a global is assigned from an allocation: `g = &T{}` (an object) or `g = make([]T, n)` (a slice). */
export interface GlobalAllocation {
  type: number;
  slice: boolean;
}

/** An allocation, or the result of a call to the function at `call` (a constructor, if it returns one). */
export interface FlowValue extends GlobalAllocation {
  call?: number;
}

/** How a runtime allocation function takes its type: in RAX (newobject, makeslice) or RBX (mallocgc and its size-specialized forms). */
export interface Allocator {
  typeIn: number;
  slice: boolean;
}

const { rax, rbx, rsp } = Register;
const { lea, call, movStore, movLoad } = Opcode;
/**
 * An indirect call's callee is unknown: it may write up to the largest register-argument spill
 * space (9 integer and 15 floating-point registers) at the bottom of the caller's frame.
 */
export const unknownArgBytes = 192;

/** What a direct call does to what the flow knows. */
export interface Callee {
  /** An allocator: the register it takes the type in, and whether it makes a slice. */
  allocator?: Allocator;
  /** Keeps every register but R11 (the write barrier). */
  preserves?: boolean;
  /** The bytes of its argument area at the bottom of the caller's frame (spill space included), which it may write. */
  argBytes: number;
}

/** What one function's code says. */
export interface FunctionFlow {
  /** Globals it assigns from an allocation or a call's result. */
  stores: Array<[number, FlowValue]>;
  /** What it returns in RAX on every path (nil aside), if that is one allocation or one call's result. */
  returns?: FlowValue;
}

/** The runtime's allocators and the write barrier, by name; every other function is plain. */
export function runtimeCallee(name: string): Pick<Callee, 'allocator' | 'preserves'> {
  if (name === 'runtime.newobject') return { allocator: { typeIn: rax, slice: false } };
  if (name === 'runtime.makeslice') return { allocator: { typeIn: rax, slice: true } };
  if (name === 'runtime.mallocgc' || name.startsWith('runtime.mallocgcSmall')) return { allocator: { typeIn: rbx, slice: false } };
  return name.startsWith('runtime.gcWriteBarrier') ? { preserves: true } : {};
}

/** What the code knows at one point: which registers and which stack slots (by RSP offset) hold an allocation's result. */
interface FlowState {
  regs: Array<FlowValue | undefined>;
  stack: Map<number, FlowValue>;
}

/**
 * A register or slot known to hold nil. Facts mean "if not nil, the result of this allocation", so
 * nil joins any allocation: `if bad { return nil }; return &T{}` still returns a *T.
 */
const nil: FlowValue = { type: 0, slice: false };

const sameValue = (a: FlowValue | undefined, b: FlowValue | undefined) => a === b || (!!a && !!b && a.type === b.type && a.slice === b.slice && a.call === b.call);

/** The value all of `values` agree on, nil agreeing with any; undefined when one is unknown or two differ. */
function join(values: ReadonlyArray<FlowValue | undefined>): FlowValue | undefined {
  let joined: FlowValue | undefined = nil;
  for (const v of values) {
    if (!v) return undefined;
    if (v === nil) continue;
    if (joined !== nil && !sameValue(joined, v)) return undefined;
    joined = v;
  }
  return joined;
}

/**
 * Follows allocation results through one function's code [entry, end): a type loaded by LEA into
 * the allocator's type register, the call (or the result of any other call, which the caller may
 * find to be a constructor's), then the value moved through registers and the function's stack
 * slots into `MOV [rip+global], reg` or returned in RAX. Forward jumps merge what their paths
 * agree on; a loop head keeps what the loop leaves alone; anything that may change a register or
 * slot forgets it, and a call may write its argument area.
 */
export function analyzeFlow(
  code: readonly Instruction[],
  callee: (entry: number) => Callee,
  isType: (addr: number) => boolean,
  isGlobal: (addr: number) => boolean,
): FunctionFlow {
  const stores: Array<[number, FlowValue]> = [];
  const entry = code[0]?.address ?? 0;
  const last = code.at(-1);
  const end = last ? last.address + last.length : 0;
  const returned: Array<FlowValue | undefined> = [];
  let leaves = false;
  const incoming = new Map<number, Array<{ from: number; state: FlowState }>>();
  const loaded: Array<number | undefined> = [];
  let state: FlowState = emptyState();
  let fallsThrough = true;
  const loops = loopClobbers(code, callee);
  for (const inst of code) {
    const into = incoming.get(inst.address)?.map((e) => e.state);
    const loop = loops.get(inst.address);
    if (loop) {
      // A loop head knows what every way into the loop agrees on, less what the loop may change.
      const entering = [...incoming].flatMap(([target, edges]) => (target >= loop.head && target <= loop.end ? edges.filter((e) => e.from < loop.head).map((e) => e.state) : []));
      if (fallsThrough) entering.push(state);
      state = withoutClobbered(merge(entering), loop);
    } else if (!into && !fallsThrough) state = emptyState();
    else if (into) state = merge(fallsThrough ? [state, ...into] : into);
    if (into || loop || !fallsThrough) loaded.length = 0;
    fallsThrough = !endsBlock(inst);
    const { regs, stack } = state;
    if (isReturn(inst)) returned.push(regs[rax]);
    else if (inst.opcode !== call && inst.branchTarget !== undefined && (inst.branchTarget < entry || inst.branchTarget >= end)) leaves = true; // a tail jump
    else if (isIndirectJump(inst)) leaves = true;
    if (inst.opcode === call && inst.branchTarget !== undefined) {
      const c = callee(inst.branchTarget);
      if (c.preserves) continue;
      const type = c.allocator ? loaded[c.allocator.typeIn] : undefined;
      regs.length = 0;
      if (c.allocator) {
        if (type !== undefined) regs[rax] = { type, slice: c.allocator.slice };
      } else {
        regs[rax] = { type: 0, slice: false, call: inst.branchTarget };
      }
      forgetRange(stack, -Infinity, c.argBytes);
      loaded.length = 0;
      continue;
    }
    if (inst.branchTarget !== undefined && inst.branchTarget > inst.address) {
      const list = incoming.get(inst.branchTarget) ?? [];
      list.push({ from: inst.address, state: knowsNothing(state) ? nothingKnown : { regs: [...regs], stack: new Map(stack) } });
      incoming.set(inst.branchTarget, list);
    }
    if (inst.opcode === lea && inst.reg !== undefined && inst.ripTarget !== undefined && isType(inst.ripTarget)) {
      loaded[inst.reg] = inst.ripTarget;
      regs[inst.reg] = undefined;
      continue;
    }
    if (inst.rexW && inst.reg !== undefined && (inst.opcode === movStore || inst.opcode === movLoad) && moveAllocation(inst, state, stores, isGlobal)) {
      loaded[inst.opcode === movStore ? (inst.rmReg ?? -1) : inst.reg] = undefined;
      continue;
    }
    const zeroed = zeroedRegister(inst);
    if (zeroed !== undefined) {
      regs[zeroed] = nil; // XOR r, r
      loaded[zeroed] = undefined;
      continue;
    }
    const effect = instructionEffect(inst, unknownArgBytes);
    if (effect.stack) forgetRange(stack, effect.stack[0], effect.stack[1]);
    if (effect.reg === 'any') {
      regs.length = 0;
      loaded.length = 0;
    } else if (effect.reg !== undefined) {
      regs[effect.reg] = undefined;
      loaded[effect.reg] = undefined;
      if (effect.reg === rsp) stack.clear();
    }
  }
  const returns = leaves ? undefined : join(returned);
  return returns && returns !== nil ? { stores, returns } : { stores };
}

/**
 * A 64-bit MOV between registers, stack slots and globals: carries what it moves. Returns false for
 * a MOV the generic rules handle (to or from other memory).
 */
function moveAllocation(inst: Instruction, { regs, stack }: FlowState, stores: Array<[number, FlowValue]>, isGlobal: (addr: number) => boolean): boolean {
  const reg = inst.reg!;
  if (inst.opcode === movStore) {
    const held = regs[reg];
    if (inst.rmReg !== undefined) regs[inst.rmReg] = held;
    else if (inst.ripTarget !== undefined && isGlobal(inst.ripTarget)) {
      if (held && held !== nil) stores.push([inst.ripTarget, held]);
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

/** Functions with more loops than this are not summarized loop by loop. */
const maxLoops = 64;

/** What a loop's body may overwrite: registers, stack ranges, or everything. */
interface Clobbers {
  /** The loop: from its head to the last jump back into it. */
  head: number;
  end: number;
  regs: Set<number>;
  allRegs: boolean;
  stack: Array<readonly [number, number]>;
  allStack: boolean;
}

/**
 * For each loop head (a backward jump's target), what the loop may overwrite: every instruction
 * from the head to the last jump back into the loop, out-of-line blocks that jump back included.
 */
function loopClobbers(code: readonly Instruction[], callee: (entry: number) => Callee): Map<number, Clobbers> {
  const indexOf = new Map(code.map((inst, i) => [inst.address, i]));
  const backward = code.filter((inst) => inst.branchTarget !== undefined && inst.opcode !== call && inst.branchTarget <= inst.address);
  const loops = new Map<number, Clobbers>();
  const heads = new Set(backward.map((inst) => inst.branchTarget!));
  if (heads.size > maxLoops) {
    // Too many loops to summarize cheaply: every loop head forgets everything.
    for (const head of heads) loops.set(head, { head, end: head, regs: new Set(), allRegs: true, stack: [], allStack: true });
    return loops;
  }
  for (const head of heads) {
    let end = head;
    for (let grown = true; grown; ) {
      grown = false;
      for (const jump of backward) {
        if (jump.branchTarget! >= head && jump.branchTarget! <= end && jump.address > end) {
          end = jump.address;
          grown = true;
        }
      }
    }
    const clobbers: Clobbers = { head, end, regs: new Set(), allRegs: false, stack: [], allStack: false };
    for (let i = indexOf.get(head) ?? code.length; i < code.length && code[i]!.address <= end; i++) addClobbers(clobbers, code[i]!, callee);
    loops.set(head, clobbers);
  }
  return loops;
}

function addClobbers(clobbers: Clobbers, inst: Instruction, callee: (entry: number) => Callee): void {
  if (inst.opcode === call && inst.branchTarget !== undefined) {
    const c = callee(inst.branchTarget);
    if (c.preserves) return;
    clobbers.allRegs = true;
    clobbers.stack.push([-Infinity, c.argBytes]);
    return;
  }
  const rexMov = inst.rexW && (inst.opcode === movStore || inst.opcode === movLoad);
  if (inst.opcode === lea || (inst.opcode === movLoad && rexMov) || inst.opcode === 0x31 || inst.opcode === 0x33) {
    if (inst.reg !== undefined) clobbers.regs.add(inst.reg);
  }
  if (inst.opcode === movStore && rexMov) {
    if (inst.rmReg !== undefined) clobbers.regs.add(inst.rmReg);
    else if (inst.memBase === rsp && inst.memDisp !== undefined) clobbers.stack.push([inst.memDisp, inst.memDisp + 8]);
    return;
  }
  const effect = instructionEffect(inst, unknownArgBytes);
  if (effect.stack) clobbers.stack.push(effect.stack);
  if (effect.reg === 'any') clobbers.allRegs = true;
  else if (effect.reg === rsp) clobbers.allStack = true;
  if (typeof effect.reg === 'number') clobbers.regs.add(effect.reg);
}

/** The state without what a loop may overwrite. */
function withoutClobbered(state: FlowState, clobbers: Clobbers): FlowState {
  const kept = emptyState();
  if (!clobbers.allRegs) state.regs.forEach((held, reg) => {
    if (held && !clobbers.regs.has(reg)) kept.regs[reg] = held;
  });
  if (!clobbers.allStack) {
    for (const [offset, held] of state.stack) {
      if (!clobbers.stack.some(([lo, hi]) => offset + 8 > lo && offset < hi)) kept.stack.set(offset, held);
    }
  }
  return kept;
}

/** Forgets the slots that overlap [lo, hi). */
function forgetRange(stack: Map<number, FlowValue>, lo: number, hi: number): void {
  for (const offset of stack.keys()) if (offset + 8 > lo && offset < hi) stack.delete(offset);
}

function emptyState(): FlowState {
  return { regs: [], stack: new Map() };
}

/** The state of a path that knows nothing, shared by every jump that carries no knowledge (never changed). */
const nothingKnown: FlowState = emptyState();

function knowsNothing({ regs, stack }: FlowState): boolean {
  return stack.size === 0 && regs.every((r) => r === undefined);
}

/** What all the states agree on. */
function merge(states: FlowState[]): FlowState {
  const merged = emptyState();
  const [first] = states;
  if (!first) return merged;
  first.regs.forEach((_, reg) => {
    const held = join(states.map((s) => s.regs[reg]));
    if (held) merged.regs[reg] = held;
  });
  for (const offset of first.stack.keys()) {
    const held = join(states.map((s) => s.stack.get(offset)));
    if (held) merged.stack.set(offset, held);
  }
  return merged;
}
