/**
 * The fuzzer's mutations: pure functions over the bytes of a core and its executable.
 *
 * The **regions** worth damaging (headers, notes, each Go section of the binary, the core's copy of
 * the runtime's globals, heap pages) are found by reading the unmutated inputs with src/elf, and each
 * case is a seeded mutation of one region, so that every case is reproducible from (seed, case index)
 * alone. No I/O here beyond reading the pristine inputs at the paths the caller gives.
 */
import { ElfFile, PF_W, PT_LOAD, PT_NOTE, SHT_NOBITS, type ElfSection, type ProgramHeader } from '../../src/elf/elf-file.js';
import { decodeCoreNotes } from '../../src/elf/core-notes.js';
import { PCLN_MAGIC_GO120, pcHeaderLayout } from '../../src/goruntime/binary/pclntab-header.js';
import { sliceAt, sliceHeaderSize } from '../../src/goruntime/layout/go-struct.js';
import { hex, u64 } from '../../src/util/bytes.js';
import { mulberry32 } from '../support/random.js';

// ---------------------------------------------------------------- a small seeded PRNG

/** One PRNG seed per (run seed, case index), mixed so that neighbouring cases differ in every bit. */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Small lengths far more often than large ones: 1..max, log-uniform. */
  length(max: number): number {
    return Math.max(1, Math.min(max, Math.floor(Math.exp(this.next() * Math.log(max + 1)))));
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [item, w] of items) {
      x -= w;
      if (x < 0) return item;
    }
    return items[items.length - 1]![0];
  }
}

// ---------------------------------------------------------------- reading the pristine inputs

/** Elf64 header and table entry sizes, as src/elf reads them. */
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
/** A symbol's type (ElfSymbol.type) for a variable. */
const STT_OBJECT = 1;

/** `read` on the input at `path`, opened with src/elf and closed after. */
function withElf<T>(path: string, read: (elf: ElfFile) => T): T {
  const elf = ElfFile.open(path);
  try {
    return read(elf);
  } finally {
    elf.close();
  }
}

// ---------------------------------------------------------------- regions

/** A run of file bytes. `vaddr` is the virtual address of `start`, for bytes of a core's PT_LOAD. */
export interface ByteRange {
  start: number;
  end: number;
  vaddr?: number;
}

/** A named part of a global variable, as file ranges (only the bytes the file holds). */
export interface SymbolBytes {
  name: string;
  ranges: ByteRange[];
  /** The symbol's address; offsets into it are reported as `name+0x…`. */
  vaddr: number;
}

export type FileRole = 'core' | 'binary';
export type BinaryVariant = 'unstripped' | 'stripped';

export interface Region {
  /** `core:heap-pages`, `binary:.gopclntab`, … */
  id: string;
  file: FileRole;
  name: string;
  ranges: ByteRange[];
  /** For runtime-globals when the binary has symbols: mutations pick a variable first, then bytes in it. */
  symbols?: SymbolBytes[];
  /**
   * Words worth a set-word of their own, which random choice would seldom reach: the pointer and
   * length words of the Go slice headers in the runtime's globals (`mheap_.allspans`, `allgs`, …);
   * the header and the function table of `.gopclntab`. A set-word picks a group, then a word in it.
   */
  hot?: HotWords[];
}

export interface HotWords {
  label: string;
  width: 4 | 8;
  /** File offsets. */
  offsets: number[];
}

export function regionSize(r: Region): number {
  return r.ranges.reduce((s, x) => s + (x.end - x.start), 0);
}

/** The Go sections of the binary that get a region each; absent ones are simply left out. */
export const GO_SECTIONS = [
  '.note.go.buildid',
  '.text',
  '.rodata',
  '.gopclntab',
  '.typelink',
  '.itablink',
  '.go.buildinfo',
  '.go.module',
  '.noptrdata',
  '.data',
  '.gosymtab',
] as const;

const GLOBAL_SECTIONS = ['.noptrdata', '.data', '.bss', '.noptrbss'];

function fileBacked(s: ElfSection): ByteRange | undefined {
  if (s.type === SHT_NOBITS || s.size === 0 || s.type === 0) return undefined;
  return { start: s.offset, end: s.offset + s.size };
}

/** The regions of the executable at `path`: headers, each Go section, DWARF, the symbol table. */
export function binaryRegions(path: string): Region[] {
  return withElf(path, (elf) => {
    const regions: Region[] = [];
    const add = (name: string, ranges: (ByteRange | undefined)[]) => {
      const rs = ranges.filter((r): r is ByteRange => r !== undefined && r.end > r.start && r.end <= elf.size);
      if (rs.length > 0) regions.push({ id: `binary:${name}`, file: 'binary', name, ranges: rs });
    };
    const { phoff, phnum, shoff, shnum } = elf.header;
    add('elf-header', [{ start: 0, end: EHDR_SIZE }]);
    add('program-headers', [{ start: phoff, end: phoff + phnum * PHDR_SIZE }]);
    add('section-headers', [{ start: shoff, end: shoff + shnum * SHDR_SIZE }]);
    for (const name of GO_SECTIONS) {
      const s = elf.section(name);
      if (s) add(name, [fileBacked(s)]);
    }
    const pcln = regions.find((r) => r.name === '.gopclntab');
    if (pcln) pcln.hot = pclntabWords(elf.sectionData('.gopclntab'), pcln.ranges[0]!.start);
    // DWARF may be compressed (SHF_COMPRESSED, or .zdebug_*): its bytes are damaged as they are.
    const info = elf.section('.debug_info') ?? elf.section('.zdebug_info');
    if (info) add('.debug_info', [fileBacked(info)]);
    add(
      '.debug-other',
      elf.sections.filter((s) => /^\.z?debug_/.test(s.name) && !/^\.z?debug_info$/.test(s.name)).map(fileBacked),
    );
    add('.symtab', elf.sections.filter((s) => s.name === '.symtab' || s.name === '.strtab').map(fileBacked));
    return regions;
  });
}

/** The pclntab magic of Go 1.18 and 1.19, whose header is laid out like 1.20's. */
const PCLN_MAGIC_GO118 = 0xfffffff0;

/**
 * The header of a Go 1.18+ pclntab (runtime.pcHeader: magic, pad, minLC, ptrSize, then nfunc,
 * nfiles, textStart and five offsets as 8-byte words) and its function table (nfunc+1 pairs of
 * 4-byte entry and func offsets, at the start of the table at pclnOffset). `start`: the file offset of `pcln`.
 */
function pclntabWords(pcln: Buffer, start: number): HotWords[] | undefined {
  if (pcln.length < pcHeaderLayout.size) return undefined;
  const magic = pcln.readUInt32LE(pcHeaderLayout.offsets.magic);
  if (magic !== PCLN_MAGIC_GO120 && magic !== PCLN_MAGIC_GO118) return undefined;
  const { offsets, types } = pcHeaderLayout;
  const words = (Object.keys(offsets) as (keyof typeof offsets)[]).filter((f) => types[f] === 'int' || types[f] === 'uintptr');
  const header = words.map((f) => start + offsets[f]);
  const nfunc = u64(pcln, offsets.nfunc);
  const functab = u64(pcln, offsets.pclnOffset);
  const entries = functab + (nfunc + 1) * 8 <= pcln.length ? Array.from({ length: (nfunc + 1) * 2 }, (_, i) => start + functab + i * 4) : [];
  return [
    { label: 'pclntab header', width: 8, offsets: header },
    ...(entries.length > 0 ? [{ label: 'functab', width: 4 as const, offsets: entries }] : []),
  ];
}

/**
 * The regions of a core, found with the help of its (unstripped, when there is one) executable:
 * the binary's .data/.bss/.noptrdata/.noptrbss mapped through the core's PT_LOADs (`runtime-globals`),
 * and the writable anonymous memory that is neither the binary's nor a thread's stack (`heap-pages`).
 * The sample is not PIE, so the binary's addresses are the process's.
 */
export function coreRegions(corePath: string, binaryPath: string): Region[] {
  return withElf(corePath, (core) => withElf(binaryPath, (bin) => coreRegionsOf(core, bin)));
}

function coreRegionsOf(core: ElfFile, bin: ElfFile): Region[] {
  const regions: Region[] = [];
  const add = (name: string, ranges: ByteRange[], symbols?: SymbolBytes[]) => {
    const rs = ranges.filter((r) => r.end > r.start && r.end <= core.size);
    if (rs.length > 0) regions.push({ id: `core:${name}`, file: 'core', name, ranges: rs, ...(symbols ? { symbols } : {}) });
  };
  const { phoff, phnum } = core.header;
  add('elf-header', [{ start: 0, end: EHDR_SIZE }]);
  add('program-headers', [{ start: phoff, end: phoff + phnum * PHDR_SIZE }]);
  add(
    'notes',
    core.programHeaders.filter((p) => p.type === PT_NOTE).map((p) => ({ start: p.offset, end: p.offset + p.filesz })),
  );

  const loads = core.programHeaders.filter((p) => p.type === PT_LOAD && p.filesz > 0);
  /** File ranges of the core holding [lo, hi) of the address space. */
  const mapRange = (lo: number, hi: number): ByteRange[] => {
    const out: ByteRange[] = [];
    for (const p of loads) {
      const a = Math.max(lo, p.vaddr);
      const z = Math.min(hi, p.vaddr + p.filesz);
      if (a < z) out.push({ start: p.offset + (a - p.vaddr), end: p.offset + (z - p.vaddr), vaddr: a });
    }
    return out.sort((x, y) => x.start - y.start);
  };

  const globalSections = bin.sections.filter((s) => GLOBAL_SECTIONS.includes(s.name) && s.size > 0);
  const globalsRanges = globalSections.flatMap((s) => mapRange(s.addr, s.addr + s.size));
  const globalIndices = new Set(globalSections.map((s) => bin.sections.indexOf(s)));
  const symbols = bin
    .symbols()
    .filter((sym) => sym.type === STT_OBJECT && sym.size > 0 && globalIndices.has(sym.shndx))
    .map((sym) => ({ name: sym.name, vaddr: sym.value, ranges: mapRange(sym.value, sym.value + sym.size) }))
    .filter((sym) => sym.ranges.length > 0);
  const mapped = (v: number) => core.programHeaders.some((p) => p.type === PT_LOAD && v >= p.vaddr && v < p.vaddr + p.memsz);
  const sliceWords: number[] = [];
  for (const r of globalsRanges) {
    const bytes = core.readChecked(r.start, r.end - r.start, 'runtime globals');
    for (let o = Math.ceil(r.start / 8) * 8; o + sliceHeaderSize <= r.end; o += 8) {
      const { ptr, len, cap } = sliceAt(bytes, o - r.start);
      if (ptr !== 0 && mapped(ptr) && len > 0 && len <= cap && cap <= 1 << 20 && ptr % 8 === 0) sliceWords.push(o, o + 8);
    }
  }
  add('runtime-globals', globalsRanges, symbols.length > 0 ? symbols : undefined);
  const globals = regions.find((r) => r.name === 'runtime-globals');
  if (globals && sliceWords.length > 0) globals.hot = [{ label: 'slice headers', width: 8, offsets: sliceWords }];

  // The binary's own address range (all its PT_LOADs), and the pages holding a thread's stack pointer.
  const binLoads = bin.programHeaders.filter((p) => p.type === PT_LOAD);
  const ownedByBinary = (p: ProgramHeader) => binLoads.some((b) => p.vaddr < b.vaddr + b.memsz + 0x1000 && b.vaddr < p.vaddr + p.memsz);
  const sps = decodeCoreNotes(core.notes()).threads.map((t) => t.registers.rsp);
  const holdsStack = (p: ProgramHeader) => sps.some((sp) => sp >= p.vaddr && sp < p.vaddr + p.memsz);
  add(
    'heap-pages',
    loads
      .filter((p) => (p.flags & PF_W) !== 0 && !ownedByBinary(p) && !holdsStack(p) && p.vaddr < 0x7ff000000000)
      .map((p) => ({ start: p.offset, end: p.offset + p.filesz, vaddr: p.vaddr })),
  );
  return regions;
}

// ---------------------------------------------------------------- mutations

export type MutationKind = 'flip-bits' | 'set-word' | 'zero-run' | 'truncate' | 'copy-slice';

export interface Mutation {
  kind: MutationKind;
  /** File offset of the first byte changed (or of the cut). */
  offset: number;
  /** Bytes changed (set-word: the width; truncate: bytes removed). */
  length: number;
  /** set-word: the value written, as hex. */
  value?: string;
  /** set-word: the value it replaced, as hex. */
  was?: string;
  /** flip-bits: the bits flipped, as byte offset and bit number. */
  bits?: { offset: number; bit: number }[];
  /** copy-slice: where the bytes came from. */
  from?: number;
  /** Where the first byte sits: `vaddr 0x…`, `runtime.mheap_+0x…`, `.gopclntab+0x…`. */
  where: string;
}

/** Values that break arithmetic on lengths, counts, offsets and pointers. */
const INTERESTING: readonly bigint[] = [
  0n,
  1n,
  0x7fffffffn,
  0xffffffffn,
  0x80000000n,
  0x100000000n,
  1n << 53n,
  0xffffffffffffffffn, // -1
  0x00007ffffffff000n, // a large, unmapped user address
  0x000000c000000000n, // where Go's heap used to start: unmapped in this core
];

interface Pos {
  range: ByteRange;
  offset: number;
  label: string;
}

function locate(region: Region, offset: number, symbol?: SymbolBytes): string {
  if (symbol) {
    const r = symbol.ranges.find((x) => offset >= x.start && offset < x.end);
    if (r?.vaddr !== undefined) return `${symbol.name}+0x${(r.vaddr + (offset - r.start) - symbol.vaddr).toString(16)}`;
  }
  const r = region.ranges.find((x) => offset >= x.start && offset < x.end);
  if (r?.vaddr !== undefined) return `vaddr 0x${(r.vaddr + (offset - r.start)).toString(16)}`;
  const base = region.ranges[0]!.start;
  return `${region.name}+0x${(offset - base).toString(16)}`;
}

/** A byte of the region, chosen uniformly over its bytes (or over its variables, then bytes). */
function pickPos(rng: Rng, region: Region): Pos & { symbol?: SymbolBytes } {
  const symbol = region.symbols && rng.chance(0.8) ? rng.pick(region.symbols) : undefined;
  const ranges = symbol ? symbol.ranges : region.ranges;
  const total = ranges.reduce((s, x) => s + (x.end - x.start), 0);
  let k = rng.int(total);
  for (const range of ranges) {
    const n = range.end - range.start;
    if (k < n) return { range, offset: range.start + k, label: '', ...(symbol ? { symbol } : {}) };
    k -= n;
  }
  const last = ranges[ranges.length - 1]!;
  return { range: last, offset: last.end - 1, label: '', ...(symbol ? { symbol } : {}) };
}

function readWord(b: Buffer, off: number, width: 4 | 8): bigint {
  return width === 8 ? b.readBigUInt64LE(off) : BigInt(b.readUInt32LE(off));
}

function writeWord(b: Buffer, off: number, width: 4 | 8, v: bigint): void {
  if (width === 8) b.writeBigUInt64LE(BigInt.asUintN(64, v), off);
  else b.writeUInt32LE(Number(BigInt.asUintN(32, v)), off);
}

/**
 * The aligned word to overwrite: mostly one that is not zero (a zero word is usually padding or an
 * unused slot; the interesting ones are lengths, offsets and pointers), found by scanning on from a
 * random byte of the range.
 */
function pickWord(rng: Rng, b: Buffer, pos: Pos, width: 4 | 8): number | undefined {
  const { range } = pos;
  // In these files a byte's file offset is aligned like its address (PT_LOAD and section offsets are).
  const alignedStart = Math.ceil(range.start / width) * width;
  const count = Math.floor((range.end - alignedStart) / width);
  if (count <= 0) return undefined;
  const k0 = Math.min(count - 1, Math.floor((pos.offset - alignedStart) / width));
  if (!rng.chance(0.75)) return alignedStart + Math.max(0, k0) * width;
  for (let i = 0; i < count; i++) {
    const off = alignedStart + ((Math.max(0, k0) + i) % count) * width;
    if (readWord(b, off, width) !== 0n) return off;
  }
  return alignedStart + Math.max(0, k0) * width;
}

/**
 * One seeded mutation of one region of `file`, in place on a copy; returns the new bytes (shorter
 * for a truncation) and what was done.
 */
export function mutate(rng: Rng, original: Buffer, region: Region): { bytes: Buffer; mutation: Mutation } {
  const kind = rng.weighted<MutationKind>([
    ['set-word', 40],
    ['flip-bits', 20],
    ['zero-run', 15],
    ['copy-slice', 15],
    ['truncate', 10],
  ]);
  const pos = pickPos(rng, region);
  const where = (off: number) => locate(region, off, pos.symbol);

  if (kind === 'truncate') {
    const bytes = Buffer.from(original.subarray(0, pos.offset));
    return { bytes, mutation: { kind, offset: pos.offset, length: original.length - pos.offset, where: where(pos.offset) } };
  }
  const bytes = Buffer.from(original);
  let { range } = pos;

  if (kind === 'flip-bits') {
    const n = rng.length(8);
    const window = Math.min(range.end - range.start, 64);
    const base = Math.min(pos.offset, range.end - window);
    const bits = [];
    for (let i = 0; i < n; i++) {
      const off = base + rng.int(window);
      const bit = rng.int(8);
      bytes[off] = bytes[off]! ^ (1 << bit);
      bits.push({ offset: off, bit });
    }
    bits.sort((x, y) => x.offset - y.offset || x.bit - y.bit);
    return { bytes, mutation: { kind, offset: bits[0]!.offset, length: n, bits, where: where(bits[0]!.offset) } };
  }

  if (kind === 'set-word') {
    const group = region.hot && rng.chance(0.3) ? rng.pick(region.hot) : undefined;
    const hot = group ? rng.pick(group.offsets) : undefined;
    if (hot !== undefined) range = region.ranges.find((r) => hot >= r.start && hot < r.end) ?? range;
    const width: 4 | 8 = group ? group.width : range.end - range.start >= 8 && rng.chance(0.6) ? 8 : 4;
    const off = hot ?? pickWord(rng, bytes, pos, width);
    if (off !== undefined) {
      const was = readWord(bytes, off, width);
      let value: bigint;
      if (rng.chance(0.15)) {
        // a copy of a nearby word: a plausible value in the wrong place
        const delta = (rng.range(1, 8) * width) * (rng.chance(0.5) ? 1 : -1);
        const src = Math.min(Math.max(range.start, off + delta), range.end - width);
        value = readWord(bytes, src, width);
      } else {
        value = rng.pick(INTERESTING);
      }
      writeWord(bytes, off, width, value);
      const v = readWord(bytes, off, width);
      const at = group
        ? `${locate(region, off, region.symbols?.find((x) => x.ranges.some((r) => off >= r.start && off < r.end)))}, ${group.label}`
        : where(off);
      return { bytes, mutation: { kind, offset: off, length: width, value: hex(v), was: hex(was), where: at } };
    }
    // a range too small for a word: fall through to zeroing
  }

  if (kind === 'zero-run' || kind === 'set-word') {
    const n = Math.min(rng.length(4096), range.end - pos.offset);
    bytes.fill(0, pos.offset, pos.offset + n);
    return { bytes, mutation: { kind: 'zero-run', offset: pos.offset, length: n, where: where(pos.offset) } };
  }

  // copy-slice: duplicate bytes of the region onto other bytes of it (a shifted or repeated record)
  const n = Math.min(rng.length(512), range.end - range.start);
  const dst = range.start + rng.int(range.end - range.start - n + 1);
  const shift = rng.chance(0.5) ? rng.range(1, 16) * (rng.chance(0.5) ? 1 : -1) : rng.int(range.end - range.start) - (dst - range.start);
  const src = Math.min(Math.max(range.start, dst + shift), range.end - n);
  original.copy(bytes, dst, src, src + n);
  return { bytes, mutation: { kind, offset: dst, length: n, from: src, where: where(dst) } };
}

export function describeMutation(m: Mutation): string {
  const at = `@${hex(m.offset)} (${m.where})`;
  switch (m.kind) {
    case 'set-word':
      return `set-word u${m.length * 8} ${at} = ${m.value} (was ${m.was})`;
    case 'flip-bits':
      return `flip-bits ${at}: ${m.bits!.map((b) => `${hex(b.offset)}^bit${b.bit}`).join(' ')}`;
    case 'zero-run':
      return `zero-run ${at} ${m.length} bytes`;
    case 'truncate':
      return `truncate ${at} (${m.length} bytes cut)`;
    case 'copy-slice':
      return `copy-slice ${at} ${m.length} bytes from ${hex(m.from!)}`;
  }
}

// ---------------------------------------------------------------- cases

export type Command = 'flame' | 'info' | 'top' | 'goroutines';

/** An input: where src/elf reads it to find the regions, and its bytes, which a case copies and damages. */
export interface InputFile {
  path: string;
  bytes: Buffer;
}

export interface Inputs {
  core: InputFile;
  binaries: Partial<Record<BinaryVariant, InputFile>> & { unstripped: InputFile };
}

/** Every region, once per variant of the file it lives in. */
export interface Layout {
  core: Region[];
  binary: Partial<Record<BinaryVariant, Region[]>> & { unstripped: Region[] };
  /** Region ids in a fixed order: the union over variants. */
  ids: string[];
}

export function layoutOf(inputs: Inputs): Layout {
  const core = coreRegions(inputs.core.path, inputs.binaries.unstripped.path);
  const binary: Layout['binary'] = { unstripped: binaryRegions(inputs.binaries.unstripped.path) };
  if (inputs.binaries.stripped) binary.stripped = binaryRegions(inputs.binaries.stripped.path);
  const ids = [...core.map((r) => r.id)];
  for (const r of [...binary.unstripped, ...(binary.stripped ?? [])]) if (!ids.includes(r.id)) ids.push(r.id);
  return { core, binary, ids };
}

/** How often each region comes up, relative to 1: the ones with the most structure to get wrong come up more. */
const REGION_WEIGHT: Record<string, number> = {
  'core:runtime-globals': 3,
  'core:heap-pages': 3,
  'binary:.gopclntab': 2,
  'binary:.rodata': 2,
};

/**
 * The order regions come up in: each id as often as its weight, shuffled by the seed; case i takes
 * entry i mod length, so a short run still visits every region.
 */
export function regionSchedule(layout: Layout, seed: number): string[] {
  const list = layout.ids.flatMap((id) => Array<string>(REGION_WEIGHT[id] ?? 1).fill(id));
  const rng = new Rng(caseSeed(seed, -1));
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

export interface CasePlan {
  seed: number;
  index: number;
  region: string;
  variant: BinaryVariant;
  command: Command;
  mutation: Mutation;
  /** The mutated file and its bytes; the other file is the unchanged input. */
  mutatedFile: FileRole;
  bytes: Buffer;
}

/** Case `index` of the run with `seed`: the same on every machine. */
export function planCase(inputs: Inputs, layout: Layout, schedule: string[], seed: number, index: number): CasePlan {
  const rng = new Rng(caseSeed(seed, index));
  const id = schedule[index % schedule.length]!;
  const hasStripped = inputs.binaries.stripped !== undefined && layout.binary.stripped !== undefined;
  const strippedHasIt = hasStripped && (id.startsWith('core:') || layout.binary.stripped!.some((r) => r.id === id));
  const unstrippedHasIt = id.startsWith('core:') || layout.binary.unstripped.some((r) => r.id === id);
  const variant: BinaryVariant = strippedHasIt && (!unstrippedHasIt || rng.chance(1 / 3)) ? 'stripped' : 'unstripped';
  const command = rng.weighted<Command>([
    ['flame', 70],
    ['info', 10],
    ['top', 10],
    ['goroutines', 10],
  ]);
  if (id.startsWith('core:')) {
    const region = layout.core.find((r) => r.id === id)!;
    const { bytes, mutation } = mutate(rng, inputs.core.bytes, region);
    return { seed, index, region: id, variant, command, mutation, mutatedFile: 'core', bytes };
  }
  const region = layout.binary[variant]!.find((r) => r.id === id)!;
  const { bytes, mutation } = mutate(rng, inputs.binaries[variant]!.bytes, region);
  return { seed, index, region: id, variant, command, mutation, mutatedFile: 'binary', bytes };
}
