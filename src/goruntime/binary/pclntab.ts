import { UserError } from '../../errors.js';
import type { AddressSpace } from '../../core/address-space.js';
import { cString, hex, readUvarint, type Varint } from '../../util/bytes.js';
import { goStruct } from '../layout/go-struct.js';
import type { Moduledata } from './moduledata.js';

/** internal/abi PCDATA table indices. */
export const PCDATA = { UnsafePoint: 0, StackMapIndex: 1, InlTreeIndex: 2, ArgLiveIndex: 3, PanicBounds: 4 } as const;

/** internal/abi FUNCDATA indices. */
export const FUNCDATA = {
  ArgsPointerMaps: 0,
  LocalsPointerMaps: 1,
  StackObjects: 2,
  InlTree: 3,
  OpenCodedDeferInfo: 4,
  ArgInfo: 5,
  ArgLiveInfo: 6,
  WrapInfo: 7,
} as const;

/** internal/abi FuncFlag bits. */
export const FuncFlag = { TopFrame: 1, SPWrite: 2, Asm: 4 } as const;

/** internal/abi.ArgsSizeUnknown: _func.args of assembly and C-vararg functions. */
export const ARGS_SIZE_UNKNOWN = -0x80000000;

/**
 * Runtime functions the linker gives a special FuncID (cmd/internal/objabi/funcid.go). The numeric
 * IDs were renumbered in Go 1.25, so functions are recognised by name, which every release shares.
 */
const specialFuncNames = new Set([
  'abort', 'asmcgocall', 'asyncPreempt', 'cgocallback', 'corostart', 'debugCallV2', 'gcBgMarkWorker',
  'rt0_go', 'goexit', 'gogo', 'gopanic', 'handleAsyncEvent', 'main', 'mcall', 'morestack', 'mstart',
  'panicwrap', 'runFinalizers', 'runCleanups', 'runfinq', 'sigpanic', 'systemstack_switch', 'systemstack',
]);

/** `runtime.goexit` → `goexit`; undefined for functions without a special FuncID. */
export function specialFuncName(name: string): string | undefined {
  if (!name.startsWith('runtime.')) return undefined;
  const short = name.slice('runtime.'.length);
  return specialFuncNames.has(short) ? short : undefined;
}

/** runtime._func (runtime2.go), followed by pcdata [npcdata]uint32 and funcdata [nfuncdata]uint32. */
export const funcLayout = goStruct([
  ['entryOff', 'u32'], ['nameOff', 'i32'], ['args', 'i32'], ['deferreturn', 'u32'], ['pcsp', 'u32'], ['pcfile', 'u32'],
  ['pcln', 'u32'], ['npcdata', 'u32'], ['cuOffset', 'u32'], ['startLine', 'i32'], ['funcID', 'u8'], ['flag', 'u8'],
  ['_', 'u8'], ['nfuncdata', 'u8'],
]);
/** runtime.inlinedCall (symtabinl.go): one entry of FUNCDATA_InlTree. */
export const inlinedCallLayout = goStruct([['funcID', 'u8'], ['nameOff', 'i32'], ['parentPc', 'i32'], ['startLine', 'i32']]);
const funcHeaderSize = funcLayout.size;
const inlinedCallSize = inlinedCallLayout.size;
/** Deeper inlining than this means the tree is corrupt (the compiler's budget stops far earlier). */
const maxInlineDepth = 256;
/** No pclntab table comes near this; a larger length read from memory is corrupt. */
const maxTableBytes = 1 << 30;

/** One logical frame at a PC: an inlined call or, last, the physical function itself. */
export interface InlineFrame {
  name: string;
  file: string;
  line: number;
  startLine: number;
  funcID: number;
  /** The PC whose file/line this frame reports (a call PC inside the physical function). */
  pc: number;
  inlined: boolean;
}

/** A name or file in a string table, '?' when its offset is outside the table. */
function tableString(buf: Buffer, at: number): string {
  return at < 0 || at >= buf.length ? '?' : cString(buf, at);
}

const maxUint32 = 0xffff_ffff;
/** Where pcValue's varint reads put their result. */
const pcVarint: Varint = { value: 0, next: 0 };

/**
 * The function table of one module (runtime/symtab.go, Go 1.20+ format): function by PC or name, and
 * the PC-value tables (file/line, SP delta, PCDATA) and FUNCDATA of each function.
 */
export class PcLnTab {
  readonly nfunc: number;
  private readonly funcnametab: Buffer;
  private readonly cutab: Buffer;
  private readonly filetab: Buffer;
  private readonly pctab: Buffer;
  private readonly pclntable: Buffer;
  /** ftab split in two typed arrays: entry offsets (from text) and _func offsets (in pclntable). */
  private readonly entryOffs: Uint32Array;
  private readonly funcOffs: Uint32Array;
  private readonly textsects: Array<{ vaddr: number; end: number; baseaddr: number }>;
  private readonly funcs = new Map<number, GoFunc>();
  private readonly names = new Map<number, string>();
  private readonly files = new Map<number, string>();
  private byName?: Map<string, number>;
  private wrapperID?: number;

  constructor(readonly md: Moduledata, readonly mem: AddressSpace) {
    const read = (what: string, ptr: number, len: number): Buffer => {
      if (len < 0 || len > maxTableBytes || !mem.isMapped(ptr, len)) {
        throw new UserError('badInputData', `the Go symbol table is damaged: its ${what} (${len} bytes at ${hex(ptr)}) cannot be read.`);
      }
      return mem.read(ptr, len);
    };
    this.nfunc = md.ftab.len - 1;
    this.funcnametab = read('function names', md.funcnametab.ptr, md.funcnametab.len);
    this.cutab = read('compilation unit table', md.cutab.ptr, md.cutab.len * 4);
    this.filetab = read('file names', md.filetab.ptr, md.filetab.len);
    this.pctab = read('pc-value tables', md.pctab.ptr, md.pctab.len);
    this.pclntable = read('function records', md.pclntable.ptr, md.pclntable.len);
    const ftab = read('function table', md.ftab.ptr, md.ftab.len * 8);
    this.entryOffs = new Uint32Array(md.ftab.len);
    this.funcOffs = new Uint32Array(md.ftab.len);
    for (let i = 0; i < md.ftab.len; i++) {
      this.entryOffs[i] = ftab.readUInt32LE(i * 8);
      this.funcOffs[i] = ftab.readUInt32LE(i * 8 + 4);
    }
    const sects = md.textsectmap.len <= 1 ? Buffer.alloc(0) : read('text section map', md.textsectmap.ptr, md.textsectmap.len * 24);
    this.textsects = [];
    for (let at = 0; at < sects.length; at += 24) {
      this.textsects.push({ vaddr: sects.readUIntLE(at, 6), end: sects.readUIntLE(at + 8, 6), baseaddr: sects.readUIntLE(at + 16, 6) });
    }
  }

  /** The text address of a text offset (moduledata.textAddr). */
  textAddr(off: number): number {
    for (let i = 0; i < this.textsects.length; i++) {
      const s = this.textsects[i]!;
      if ((off >= s.vaddr && off < s.end) || (i === this.textsects.length - 1 && off === s.end)) return s.baseaddr + off - s.vaddr;
    }
    return this.md.text + off;
  }

  /** The text offset of a PC (moduledata.textOff), or -1 when it is in no text section. */
  private textOff(pc: number): number {
    if (this.textsects.length === 0) return pc - this.md.text;
    for (let i = 0; i < this.textsects.length; i++) {
      const s = this.textsects[i]!;
      if (s.baseaddr > pc) return -1;
      const end = s.baseaddr + (s.end - s.vaddr) + (i === this.textsects.length - 1 ? 1 : 0);
      if (pc < end) return pc - s.baseaddr + s.vaddr;
    }
    return -1;
  }

  /** The i-th function in PC order, 0 ≤ i < nfunc. */
  funcAt(i: number): GoFunc {
    let fn = this.funcs.get(i);
    if (!fn) {
      const off = this.funcOffs[i]!;
      if (off + funcHeaderSize > this.pclntable.length) {
        throw new UserError('badInputData', `the Go symbol table is damaged: function record ${i} lies outside the pclntab.`);
      }
      fn = new GoFunc(this, i, this.pclntable, off, this.textAddr(this.entryOffs[i]!), this.textAddr(this.entryOffs[i + 1]!));
      this.funcs.set(i, fn);
    }
    return fn;
  }

  /** The function containing pc (binary search over the function table), or undefined outside Go text. */
  funcForPC(pc: number): GoFunc | undefined {
    if (this.nfunc <= 0 || !(pc >= this.md.minpc && pc < this.md.maxpc)) return undefined;
    const off = this.textOff(pc);
    if (off < 0) return undefined;
    let lo = 0;
    let hi = this.nfunc - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.entryOffs[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return this.entryOffs[lo]! <= off ? this.funcAt(lo) : undefined;
  }

  /** The function with this exact symbol name (e.g. `runtime.goexit`, `main.(*T).M`). */
  findFunc(name: string): GoFunc | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (let i = 0; i < this.nfunc; i++) {
        const off = this.funcOffs[i]!;
        if (off + funcHeaderSize > this.pclntable.length) continue; // a damaged record: funcAt says so if it is asked for
        const n = this.funcName(this.pclntable.readInt32LE(off + funcLayout.offsets.nameOff));
        if (!this.byName.has(n)) this.byName.set(n, i);
      }
    }
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.funcAt(i);
  }

  /**
   * A name from funcnametab (NUL-terminated), as used by _func.nameOff and inline tree entries. Offset 0
   * is the first function's name (the runtime prints it as '', debug/gosym reads it; so do we).
   */
  funcName(nameOff: number): string {
    if (nameOff < 0) return '';
    let name = this.names.get(nameOff);
    if (name === undefined) {
      name = tableString(this.funcnametab, nameOff);
      this.names.set(nameOff, name);
    }
    return name;
  }

  /** The file name for file number `fileno` of compilation unit `cuOffset`. */
  fileName(cuOffset: number, fileno: number): string {
    const index = cuOffset + fileno;
    if (fileno < 0 || index * 4 + 4 > this.cutab.length) return '?';
    const fileoff = this.cutab.readUInt32LE(index * 4);
    if (fileoff === 0xffffffff) return '?';
    let file = this.files.get(fileoff);
    if (file === undefined) {
      file = tableString(this.filetab, fileoff);
      this.files.set(fileoff, file);
    }
    return file;
  }

  /**
   * The value of the pc-value table at `tableOff` for `targetpc` in a function starting at `entry`
   * (runtime.pcvalue): -1 when there is no table or it does not cover targetpc.
   */
  pcValue(tableOff: number, entry: number, targetpc: number): number {
    if (tableOff === 0) return -1;
    const tab = this.pctab;
    let p = tableOff;
    let pc = entry;
    let val = -1;
    const v = pcVarint;
    for (;;) {
      // uvdelta == 0 ends the table, except as the first entry.
      if (tab[p] === 0 && pc !== entry) return -1;
      // Both deltas are uint32 varints (runtime.readvarint).
      if (readUvarint(tab, p, v) || v.value > maxUint32) return -1;
      const uv = v.value;
      val = (val + (uv & 1 ? ~(uv >>> 1) : uv >>> 1)) | 0;
      if (readUvarint(tab, v.next, v) || v.value > maxUint32) return -1;
      p = v.next;
      pc += v.value;
      if (targetpc < pc) return val;
    }
  }

  /** FuncIDWrapper of this binary: the ID after systemstack_switch, the last special one in every release. */
  wrapperFuncID(): number {
    if (this.wrapperID === undefined) {
      const last = this.findFunc('runtime.systemstack_switch');
      this.wrapperID = last ? last.funcID + 1 : -1;
    }
    return this.wrapperID;
  }
}

/** One function of the pclntab (runtime._func) with lookups into its tables. */
export class GoFunc {
  readonly nameOff: number;
  /** Size of the arguments in bytes, or ARGS_SIZE_UNKNOWN. */
  readonly args: number;
  /** Offset from entry of the deferreturn call, 0 if none. */
  readonly deferreturn: number;
  readonly pcsp: number;
  readonly pcfile: number;
  readonly pcln: number;
  readonly npcdata: number;
  readonly cuOffset: number;
  readonly startLine: number;
  readonly funcID: number;
  readonly flag: number;
  readonly nfuncdata: number;
  private cachedName?: string;

  constructor(
    readonly table: PcLnTab,
    readonly index: number,
    private readonly pclntable: Buffer,
    private readonly off: number,
    /** First PC of the function. */
    readonly entry: number,
    /** First PC after the function (the next function's entry, or the end of the text). */
    readonly end: number,
  ) {
    const b = pclntable;
    const o = funcLayout.offsets;
    this.nameOff = b.readInt32LE(off + o.nameOff);
    this.args = b.readInt32LE(off + o.args);
    this.deferreturn = b.readUInt32LE(off + o.deferreturn);
    this.pcsp = b.readUInt32LE(off + o.pcsp);
    this.pcfile = b.readUInt32LE(off + o.pcfile);
    this.pcln = b.readUInt32LE(off + o.pcln);
    this.npcdata = b.readUInt32LE(off + o.npcdata);
    this.cuOffset = b.readUInt32LE(off + o.cuOffset);
    this.startLine = b.readInt32LE(off + o.startLine);
    // PcLnTab.funcAt checked that the whole header lies inside pclntable.
    this.funcID = b[off + o.funcID]!;
    this.flag = b[off + o.flag]!;
    this.nfuncdata = b[off + o.nfuncdata]!;
  }

  get name(): string {
    return (this.cachedName ??= this.table.funcName(this.nameOff));
  }

  /** `goexit`, `systemstack`, `mstart`, …: runtime functions the unwinder treats specially. */
  get special(): string | undefined {
    return specialFuncName(this.name);
  }

  get isWrapper(): boolean {
    return this.funcID === this.table.wrapperFuncID();
  }

  get topFrame(): boolean {
    return (this.flag & FuncFlag.TopFrame) !== 0;
  }

  get spWrite(): boolean {
    return (this.flag & FuncFlag.SPWrite) !== 0;
  }

  get asm(): boolean {
    return (this.flag & FuncFlag.Asm) !== 0;
  }

  /** File and line of the (innermost, if inlined) source position at pc. */
  fileLine(pc: number): { file: string; line: number } {
    const fileno = this.table.pcValue(this.pcfile, this.entry, pc);
    const line = this.table.pcValue(this.pcln, this.entry, pc);
    if (fileno === -1 || line === -1) return { file: '?', line: 0 };
    return { file: this.table.fileName(this.cuOffset, fileno), line };
  }

  /** Bytes the function has pushed on the stack at pc (runtime.funcspdelta), excluding the return address. */
  spDelta(pc: number): number {
    return this.table.pcValue(this.pcsp, this.entry, pc);
  }

  /** The PCDATA value of `table` at pc, -1 when absent. */
  pcdata(table: number, pc: number): number {
    if (table < 0 || table >= this.npcdata) return -1;
    const at = this.off + funcHeaderSize + table * 4;
    if (at + 4 > this.pclntable.length) return -1;
    return this.table.pcValue(this.pclntable.readUInt32LE(at), this.entry, pc);
  }

  /** Address of FUNCDATA `i` (moduledata.gofunc + offset), or 0 when the function has none. */
  funcdata(i: number): number {
    if (i < 0 || i >= this.nfuncdata) return 0;
    const at = this.off + funcHeaderSize + this.npcdata * 4 + i * 4;
    if (at + 4 > this.pclntable.length) return 0;
    const off = this.pclntable.readUInt32LE(at);
    return off === 0xffffffff ? 0 : this.table.md.gofunc + off;
  }

  /**
   * The logical frames at pc, innermost first: each inlined call (from the inline tree), then this
   * function. pc must be a "call PC": for a return address, pass returnPC - 1 as the runtime does.
   */
  inlinedFrames(pc: number): InlineFrame[] {
    const frames: InlineFrame[] = [];
    const tree = this.funcdata(FUNCDATA.InlTree);
    const mem = this.table.mem;
    let index = tree ? this.pcdata(PCDATA.InlTreeIndex, pc) : -1;
    while (index >= 0 && frames.length < maxInlineDepth) {
      const at = tree + index * inlinedCallSize;
      if (!mem.isMapped(at, inlinedCallSize)) break;
      const call = mem.read(at, inlinedCallSize);
      const o = inlinedCallLayout.offsets;
      frames.push({
        name: this.table.funcName(call.readInt32LE(o.nameOff)),
        ...this.fileLine(pc),
        startLine: call.readInt32LE(o.startLine),
        funcID: call[o.funcID]!,
        pc,
        inlined: true,
      });
      pc = this.entry + call.readInt32LE(o.parentPc);
      index = this.pcdata(PCDATA.InlTreeIndex, pc);
    }
    frames.push({ name: this.name, ...this.fileLine(pc), startLine: this.startLine, funcID: this.funcID, pc, inlined: false });
    return frames;
  }
}
