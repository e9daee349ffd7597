import { FramePointerMaps, type StackObject } from './frame-pointers.js';
import type { GoProcess } from './go-process.js';
import type { InlineFrame } from '../binary/pclntab.js';
import { type PhysicalFrame, type SystemStackExit, type UnwindStart, Unwinder, symbolPC } from './unwind.js';

/** One logical frame of a stack, innermost first, inlined calls expanded as Go's traceback shows them. */
export interface Frame {
  function: string;
  file: string;
  line: number;
  /** The physical frame's PC (a return address, or the interrupted instruction). */
  pc: number;
  sp: number;
  fp: number;
  /** An inlined call: it shares the stack frame of the next non-inlined frame below it. */
  inlined: boolean;
  /** A compiler-generated wrapper (method value, go statement trampoline); Go's tracebacks hide these. */
  wrapper: boolean;
  /** The PC is arbitrary (running or interrupted): the frame's words are listed whole, not from stack maps. */
  conservative: boolean;
  /**
   * Stack addresses of the words holding live pointers (every word of a conservative frame). A physical
   * frame's slots are given on its non-inlined logical frame; inlined frames have none of their own.
   */
  livePointerSlots: number[];
  stackObjects: StackObject[];
}

export interface Stack {
  frames: Frame[];
  /** Why the walk stopped before the stack's first function, when it did. */
  unwindError?: string;
}

/**
 * Turns a starting PC/SP into the frames people and the heap want: unwound, inlined calls expanded,
 * live pointer slots attached. Shared by every stack of a process so its caches serve them all.
 */
export class StackReader {
  private readonly unwinder: Unwinder;
  private readonly pointers: FramePointerMaps;
  private readonly inlineCache = new Map<number, InlineFrame[]>();
  private readonly wrapperFuncID: number;

  constructor(proc: GoProcess) {
    this.unwinder = new Unwinder(proc.image, proc.binary.pclntab);
    this.wrapperFuncID = proc.binary.pclntab.wrapperFuncID();
    this.pointers = new FramePointerMaps(proc.image, proc.binary.moduledata.rodata);
  }

  read(start: UnwindStart, exit?: SystemStackExit): Stack {
    const { frames: physical, error } = this.unwinder.walk(start, exit);
    const frames: Frame[] = [];
    for (const pf of physical) this.addLogicalFrames(pf, frames);
    return error ? { frames, unwindError: error } : { frames };
  }

  /** Appends a physical frame as its inlined calls and itself, the pointer slots on itself. */
  private addLogicalFrames(pf: PhysicalFrame, out: Frame[]): void {
    const pointers = this.pointers.of(pf);
    const { pc, sp, fp } = pf;
    for (const inl of this.inlinedFrames(pf)) {
      out.push({
        function: inl.name,
        file: inl.file,
        line: inl.line,
        pc,
        sp,
        fp,
        inlined: inl.inlined,
        wrapper: inl.funcID === this.wrapperFuncID,
        conservative: pointers.conservative,
        livePointerSlots: inl.inlined ? [] : pointers.livePointerSlots,
        stackObjects: inl.inlined ? [] : pointers.stackObjects,
      });
    }
  }

  private inlinedFrames(frame: PhysicalFrame): InlineFrame[] {
    const pc = symbolPC(frame);
    let frames = this.inlineCache.get(pc);
    if (!frames) this.inlineCache.set(pc, (frames = frame.fn.inlinedFrames(pc)));
    return frames;
  }
}
