import { type AddressSpace, MemoryFault } from '../../core/address-space.js';
import { FuncFlag, type GoFunc, type PcLnTab } from '../binary/pclntab.js';
import { hex } from '../../util/bytes.js';

/** Where a stack walk starts. */
export interface UnwindStart {
  pc: number;
  sp: number;
  /**
   * pc is an interrupted instruction (thread registers, a signal context), not a return address:
   * its source line is looked up at pc itself and its stack maps do not apply.
   */
  trap: boolean;
  /** pc and sp come from g.syscallpc/syscallsp: the runtime then trusts an SPWRITE innermost function. */
  syscall?: boolean;
}

/**
 * A running goroutine's way back from its thread's system stack (g0): when the walk on g0 reaches
 * runtime.systemstack or runtime.morestack, it continues at the goroutine's saved sched.sp/pc.
 */
export interface SystemStackExit {
  g0Lo: number;
  g0Hi: number;
  schedPc: number;
  schedSp: number;
}

/** One physical stack frame, as runtime.stkframe describes it (amd64: no link register). */
export interface PhysicalFrame {
  fn: GoFunc;
  /** The return address into fn, or the interrupted instruction for a trap frame. */
  pc: number;
  sp: number;
  /** The caller's SP: sp + frame size + the return address. */
  fp: number;
  /** Top of the locals (below the saved frame pointer); locals maps cover [varp - n*8, varp). */
  varp: number;
  /** Start of the incoming arguments. */
  argp: number;
  /** The PC whose stack maps describe the frame; 0 for a frame that will not resume (sigpanic). */
  continpc: number;
  trap: boolean;
  /** Stopped at an arbitrary instruction: its stack maps are not exact, scan the frame whole. */
  conservative: boolean;
}

export interface UnwindResult {
  frames: PhysicalFrame[];
  /** Why the walk ended before the stack's top frame, when it did. */
  error?: string;
}

/** No Go stack is this deep (1 GB maximum stack, frames of at least 8 bytes, and the runtime stops far earlier). */
const maxFrames = 1 << 17;

/** Calls the runtime injects into a stopped goroutine: the caller stopped at the interrupted PC. */
function isInjectedCall(special: string | undefined): boolean {
  return special === 'sigpanic' || special === 'asyncPreempt' || special === 'debugCallV2';
}

/** asyncPreempt and debugCallV2 save the interrupted frame's registers: the runtime scans both conservatively. */
function savesRegisters(special: string | undefined): boolean {
  return special === 'asyncPreempt' || special === 'debugCallV2';
}

/** Offsets in the kernel's ucontext_t (amd64): uc_mcontext.gregs starts at 40; REG_RSP is 15, REG_RIP 16. */
const UCONTEXT_RSP = 40 + 15 * 8;
const UCONTEXT_RIP = 40 + 16 * 8;

/**
 * The amd64 stack unwinder of runtime/traceback.go: each frame's size comes from the function's
 * pcsp table at its PC, the return address sits just below the caller's SP. It follows the runtime's
 * stack switches (system stack back to the goroutine) and, which the runtime does not need to,
 * signal frames: a thread inside Go's signal handler continues at the interrupted context.
 */
/** What the unwinder needs to know about a PC, computed once per PC. */
interface CodeAt {
  fn: GoFunc;
  special: string | undefined;
  /** Frame size at the PC (runtime.funcspdelta), -1 when the table does not cover it. */
  spDelta: number;
}

export class Unwinder {
  private readonly sigtramp?: GoFunc;
  /** By PC: stacks share return addresses, and decoding a pcsp table walks it from the function's entry. */
  private readonly code = new Map<number, CodeAt | null>();

  constructor(private readonly mem: AddressSpace, private readonly pcln: PcLnTab) {
    this.sigtramp = pcln.findFunc('runtime.sigtramp');
  }

  private codeAt(pc: number): CodeAt | undefined {
    let code = this.code.get(pc);
    if (code === undefined) {
      const fn = this.pcln.funcForPC(pc);
      code = fn ? { fn, special: fn.special, spDelta: fn.spDelta(pc) } : null;
      this.code.set(pc, code);
    }
    return code ?? undefined;
  }

  walk(start: UnwindStart, exit?: SystemStackExit): UnwindResult {
    const frames: PhysicalFrame[] = [];
    try {
      return this.walkFrames(start, exit, frames);
    } catch (err) {
      if (!(err instanceof MemoryFault)) throw err;
      return { frames, error: `the stack at ${hex(err.addr)} is not in the core` };
    }
  }

  private walkFrames(start: UnwindStart, exit: SystemStackExit | undefined, frames: PhysicalFrame[]): UnwindResult {
    let { pc, sp, trap } = start;
    let innermost = true;
    let syscall = start.syscall ?? false;
    let conservative = trap;
    let callee: string | undefined;
    if (pc === 0) {
      // A call through a nil func value: start in the caller.
      pc = this.mem.readPtr(sp);
      sp += 8;
      trap = false;
    }
    let code = this.codeAt(pc);
    if (!code) return { frames, error: `pc ${hex(pc)} is not in Go code` };
    for (;;) {
      if (frames.length >= maxFrames) return { frames, error: `more than ${maxFrames} frames` };
      if (code.fn.pcsp === 0) return { frames }; // an external function without frame information
      let flag = code.fn.flag;
      if (code.special === 'cgocallback' || (innermost && syscall)) flag &= ~FuncFlag.SPWrite;
      if (exit && sp >= exit.g0Lo && sp < exit.g0Hi) {
        if (code.special === 'morestack') {
          // newstack never returns here: it resumes the goroutine where morestack saved it.
          pc = exit.schedPc;
          sp = exit.schedSp;
          code = this.codeAt(pc);
          if (!code) return { frames, error: `the goroutine's saved pc ${hex(pc)} is not in Go code` };
          flag = code.fn.flag;
        } else if (code.special === 'systemstack') {
          sp = exit.schedSp;
          flag &= ~FuncFlag.SPWrite;
        }
      }
      const { fn, special, spDelta } = code;
      if (spDelta < 0) return { frames, error: `no frame size for ${fn.name} at ${hex(pc)}` };
      const fp = sp + spDelta + 8;
      let lr = 0;
      // TopFrame ends the stack; past an SPWRITE function that is not innermost the SP is unknown.
      if (!(flag & FuncFlag.TopFrame) && !(flag & FuncFlag.SPWrite && !innermost)) lr = this.mem.readPtr(fp - 8);
      let varp = fp - 8;
      if (varp > sp) varp -= 8; // the saved frame pointer
      let continpc = pc;
      if (callee === 'sigpanic') continpc = fn.deferreturn ? fn.entry + fn.deferreturn + 1 : 0;
      frames.push({ fn, pc, sp, fp, varp, argp: fp, continpc, trap, conservative: conservative || savesRegisters(special) });

      if (fn === this.sigtramp) {
        // The kernel's rt_sigframe: sigtramp's return address (sa_restorer), then the ucontext.
        // Continue in the interrupted context; the handler's own frames are not the stack's.
        pc = this.mem.readPtr(fp + UCONTEXT_RIP);
        sp = this.mem.readPtr(fp + UCONTEXT_RSP);
        frames.length = 0;
        code = this.codeAt(pc);
        if (!code) return { frames, error: `a signal interrupted non-Go code at pc ${hex(pc)}` };
        trap = true;
        conservative = true;
        innermost = true;
        syscall = false;
        callee = undefined;
        continue;
      }
      if (lr === 0) return { frames };
      const caller = this.codeAt(lr);
      if (!caller) return { frames, error: `${fn.name} returns to ${hex(lr)}, which is not in Go code` };
      if (pc === lr && sp === fp) return { frames, error: `the walk is stuck at ${fn.name} (pc ${hex(pc)}, sp ${hex(sp)})` };
      trap = isInjectedCall(special);
      conservative = savesRegisters(special);
      callee = special;
      code = caller;
      pc = lr;
      sp = fp;
      innermost = false;
      syscall = false;
    }
  }
}

/** The PC whose file, line and inlining describe the frame: the CALL instruction for a return address. */
export function symbolPC(frame: PhysicalFrame): number {
  return !frame.trap && frame.pc > frame.fn.entry ? frame.pc - 1 : frame.pc;
}
