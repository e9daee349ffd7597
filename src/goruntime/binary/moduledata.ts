import { UserError } from '../../errors.js';
import type { AddressSpace } from '../../core/address-space.js';
import { ExecutableImage } from '../../core/executable-image.js';
import { type ElfFile, PF_W, PT_LOAD } from '../../elf/elf-file.js';
import { type GoFieldType, type GoSlice, type GoStructLayout, goStruct, sliceAt } from '../layout/go-struct.js';
import { u64 } from '../../util/bytes.js';
import { findPclntabAddress, PCLN_MAGIC_GO120, pcHeaderLayout, pclnMagicRelease } from './pclntab-header.js';
import { atLeast, type GoVersion } from './version.js';

/**
 * runtime.moduledata: where the linker tells the runtime its pclntab, sections and type data are.
 * Field lists are copied from runtime/symtab.go of each release; offsets are computed from them.
 */
type Field = readonly [string, GoFieldType];

const head: Field[] = [
  ['pcHeader', 'ptr'], ['funcnametab', 'slice'], ['cutab', 'slice'], ['filetab', 'slice'], ['pctab', 'slice'],
  ['pclntable', 'slice'], ['ftab', 'slice'], ['findfunctab', 'uintptr'], ['minpc', 'uintptr'], ['maxpc', 'uintptr'],
  ['text', 'uintptr'], ['etext', 'uintptr'], ['noptrdata', 'uintptr'], ['enoptrdata', 'uintptr'],
  ['data', 'uintptr'], ['edata', 'uintptr'], ['bss', 'uintptr'], ['ebss', 'uintptr'],
  ['noptrbss', 'uintptr'], ['enoptrbss', 'uintptr'], ['covctrs', 'uintptr'], ['ecovctrs', 'uintptr'],
  ['end', 'uintptr'], ['gcdata', 'uintptr'], ['gcbss', 'uintptr'],
];
const middle: Field[] = [
  ['ptab', 'slice'], ['pluginpath', 'string'], ['pkghashes', 'slice'], ['inittasks', 'slice'],
  ['modulename', 'string'], ['modulehashes', 'slice'],
];
const links: Field[] = [['textsectmap', 'slice'], ['typelinks', 'slice'], ['itablinks', 'slice']];
const masks: Field[] = [['gcdatamask', 'bitvector'], ['gcbssmask', 'bitvector'], ['typemap', 'ptr']];

/** Go 1.20: no `inittasks` yet. */
const go120 = goStruct([
  ...head, ['types', 'uintptr'], ['etypes', 'uintptr'], ['rodata', 'uintptr'], ['gofunc', 'uintptr'],
  ...links, ...middle.filter(([name]) => name !== 'inittasks'), ['hasmain', 'u8'], ...masks, ['bad', 'bool'], ['next', 'ptr'],
]);
/** Go 1.21 and 1.22: `bad` is the last field but one. */
const go122 = goStruct([
  ...head, ['types', 'uintptr'], ['etypes', 'uintptr'], ['rodata', 'uintptr'], ['gofunc', 'uintptr'],
  ...links, ...middle, ['hasmain', 'u8'], ...masks, ['bad', 'bool'], ['next', 'ptr'],
]);
/** Go 1.23–1.25: `bad` moved next to `hasmain`. */
const go123 = goStruct([
  ...head, ['types', 'uintptr'], ['etypes', 'uintptr'], ['rodata', 'uintptr'], ['gofunc', 'uintptr'],
  ...links, ...middle, ['hasmain', 'u8'], ['bad', 'bool'], ...masks, ['next', 'ptr'],
]);
/** Go 1.26: adds `epclntab`. */
const go126 = goStruct([
  ...head, ['types', 'uintptr'], ['etypes', 'uintptr'], ['rodata', 'uintptr'], ['gofunc', 'uintptr'],
  ['epclntab', 'uintptr'], ...links, ...middle, ['hasmain', 'u8'], ['bad', 'bool'], ...masks, ['next', 'ptr'],
]);
/** Go 1.27: typelinks and itablinks are gone; types are walked by size, itabs live in the type data. */
const go127 = goStruct([
  ...head, ['types', 'uintptr'], ['typedesclen', 'uintptr'], ['etypes', 'uintptr'], ['itaboffset', 'uintptr'],
  ['itabsize', 'uintptr'], ['rodata', 'uintptr'], ['gofunc', 'uintptr'], ['epclntab', 'uintptr'],
  ['textsectmap', 'slice'], ...middle, ['hasmain', 'u8'], ['bad', 'bool'], ...masks, ['next', 'ptr'],
]);

/** The per-release moduledata layouts, newest first; exported so tests can compare them with DWARF. */
export const moduledataLayouts: ReadonlyArray<{ releases: string; minMinor: number; layout: GoStructLayout<string> }> = [
  { releases: '1.27', minMinor: 27, layout: go127 },
  { releases: '1.26', minMinor: 26, layout: go126 },
  { releases: '1.23–1.25', minMinor: 23, layout: go123 },
  { releases: '1.21–1.22', minMinor: 21, layout: go122 },
  { releases: '1.20', minMinor: 20, layout: go120 },
];

export interface Bitvector {
  n: number;
  bytedata: number;
}

/** The fields goheapflame reads, as numbers (addresses) and slice headers. */
export interface Moduledata {
  /** Address of this moduledata. */
  addr: number;
  /** Which layout table matched (`1.26`, `1.23–1.25`, …). */
  layout: string;
  pcHeader: number;
  funcnametab: GoSlice;
  cutab: GoSlice;
  filetab: GoSlice;
  pctab: GoSlice;
  pclntable: GoSlice;
  ftab: GoSlice;
  findfunctab: number;
  minpc: number;
  maxpc: number;
  text: number;
  etext: number;
  noptrdata: number;
  enoptrdata: number;
  data: number;
  edata: number;
  bss: number;
  ebss: number;
  noptrbss: number;
  enoptrbss: number;
  end: number;
  /** GC programs describing the pointer words of [data, edata) and [bss, ebss). */
  gcdata: number;
  gcbss: number;
  types: number;
  etypes: number;
  rodata: number;
  gofunc: number;
  textsectmap: GoSlice;
  /** ≤ 1.26: offsets (int32, from types) of the types reflect can find by name. */
  typelinks?: GoSlice;
  /** ≤ 1.26: pointers to the itabs built by the linker. */
  itablinks?: GoSlice;
  /** 1.27: length of the type descriptor run starting at types+8. */
  typedesclen?: number;
  /** 1.27: the linker's itabs are at [types+itaboffset, types+itaboffset+itabsize). */
  itaboffset?: number;
  itabsize?: number;
  hasmain: number;
  /** The expanded data/bss pointer masks; zero until the runtime initialised the module. */
  gcdatamask: Bitvector;
  gcbssmask: Bitvector;
  next: number;
}

const optional = new Set(['typelinks', 'itablinks', 'typedesclen', 'itaboffset', 'itabsize']);

function decode(buf: Buffer, addr: number, releases: string, layout: GoStructLayout<string>): Moduledata {
  const md: Record<string, unknown> = { addr, layout: releases };
  for (const [name, type] of Object.entries(layout.types)) {
    const at = layout.offsets[name]!;
    if (type === 'slice') md[name] = sliceAt(buf, at);
    else if (type === 'bitvector') md[name] = { n: buf.readInt32LE(at), bytedata: u64(buf, at + 8) };
    else if (type === 'u8' || type === 'bool') md[name] = buf[at];
    else if (type === 'ptr' || type === 'uintptr') md[name] = u64(buf, at);
  }
  for (const name of optional) if (!(name in layout.offsets)) delete md[name];
  return md as unknown as Moduledata;
}

/** Why `md` cannot be a real moduledata, or undefined when every cross-check holds. */
function implausible(md: Moduledata, mem: AddressSpace): string | undefined {
  const h = pcHeaderLayout.offsets;
  if (!mem.isMapped(md.pcHeader, pcHeaderLayout.size)) return 'pcHeader is not mapped';
  if (mem.readU32(md.pcHeader + h.magic) !== PCLN_MAGIC_GO120) return 'pcHeader has the wrong magic';
  const nfunc = mem.readU64(md.pcHeader + h.nfunc);
  const tables: Array<[GoSlice, number]> = [
    [md.funcnametab, h.funcnameOffset], [md.cutab, h.cuOffset], [md.filetab, h.filetabOffset], [md.pctab, h.pctabOffset],
    [md.pclntable, h.pclnOffset],
  ];
  for (const [slice, headerOffset] of tables) {
    if (slice.ptr !== md.pcHeader + mem.readU64(md.pcHeader + headerOffset)) return 'pclntab tables disagree with pcHeader';
    if (slice.len > slice.cap) return 'a pclntab slice is longer than its capacity';
  }
  if (md.ftab.ptr !== md.pclntable.ptr || md.ftab.len !== nfunc + 1) return 'ftab disagrees with pcHeader';
  if (!(md.text <= md.minpc && md.minpc <= md.maxpc && md.maxpc <= md.etext)) return 'text range is inconsistent';
  if (!(md.types < md.etypes && md.data <= md.edata && md.bss <= md.ebss && md.noptrbss <= md.enoptrbss)) {
    return 'section bounds are inconsistent';
  }
  return undefined;
}

/** Layouts to try, the one of the binary's release first (the others can still match if the version is a guess). */
function layoutsFor(version: GoVersion | undefined): typeof moduledataLayouts {
  if (!version) return moduledataLayouts;
  const preferred = moduledataLayouts.find((l) => atLeast(version, 1, l.minMinor));
  return preferred ? [preferred, ...moduledataLayouts.filter((l) => l !== preferred)] : moduledataLayouts;
}

function tryAt(addr: number, mem: AddressSpace, version: GoVersion | undefined): Moduledata | undefined {
  for (const { releases, layout } of layoutsFor(version)) {
    if (!mem.isMapped(addr, layout.size)) continue;
    const md = decode(mem.read(addr, layout.size), addr, releases, layout);
    if (!implausible(md, mem)) return md;
  }
  return undefined;
}

const scanChunk = 1 << 20;

/** Addresses in [start, end) holding the 8-aligned word `value` (stripped binaries before Go 1.26). */
function scanForWord(mem: AddressSpace, start: number, end: number, value: number): number[] {
  const hits: number[] = [];
  const lo = value % 0x1_0000_0000;
  const hi = Math.floor(value / 0x1_0000_0000);
  for (let at = Math.ceil(start / 8) * 8; at < end; at += scanChunk) {
    const len = Math.min(scanChunk, end - at) & ~7;
    if (len <= 0 || !mem.isMapped(at, len)) continue;
    const words = mem.read(at, len);
    for (let i = 0; i + 8 <= len; i += 8) {
      if (words.readUInt32LE(i) === lo && words.readUInt32LE(i + 4) === hi) hits.push(at + i);
    }
  }
  return hits;
}

/**
 * Finds and validates the first moduledata: symbol `runtime.firstmoduledata`, else section `.go.module`
 * (Go 1.26+), else a data word equal to the pclntab address (moduledata starts with pcHeader).
 * Everything is read through `mem`, so a core's memory is used when given; `loadBias` shifts the
 * executable's addresses for PIE.
 */
export function findModuledata(elf: ElfFile, mem: AddressSpace, version?: GoVersion, loadBias = 0): Moduledata {
  const candidates: number[] = [];
  const sym = elf.symbol('runtime.firstmoduledata');
  if (sym) candidates.push(sym.value + loadBias);
  const section = elf.section('.go.module');
  if (section) candidates.push(section.addr + loadBias);
  for (const addr of candidates) {
    const md = tryAt(addr, mem, version);
    if (md) return md;
  }
  const pclntab = findPclntabAddress(elf, mem, loadBias);
  if (pclntab === undefined) {
    throw new UserError('notGo', `${elf.path} is not a Go program (it has no Go pclntab); give the Go executable that produced the core.`);
  }
  if (pclntab.magic !== PCLN_MAGIC_GO120) {
    throw new UserError(
      'unsupported',
      `${elf.path} was built with Go ${pclnMagicRelease(pclntab.magic)}, whose symbol table goheapflame does not read; rebuild with Go 1.20 or later.`,
    );
  }
  // moduledata is initialised data: .noptrdata before 1.26, .go.module after; scan the file-backed
  // part of the writable segments, which holds both and survives missing section headers.
  for (const seg of elf.programHeaders) {
    if (seg.type !== PT_LOAD || !(seg.flags & PF_W) || seg.filesz === 0) continue;
    const start = seg.vaddr + loadBias;
    for (const addr of scanForWord(mem, start, start + seg.filesz, pclntab.addr)) {
      const md = tryAt(addr, mem, version);
      if (md) return md;
    }
  }
  if (!(mem instanceof ExecutableImage) && foundInFile(elf, version, loadBias)) {
    throw new UserError(
      'badInputData',
      `the core's copy of runtime.moduledata is damaged, while ${elf.path} holds an intact one; the core is damaged: dump the process again.`,
    );
  }
  throw new UserError(
    'badInputData',
    `${elf.path} has a Go symbol table but no valid runtime.moduledata was found; the binary may be damaged or packed (e.g. UPX).`,
  );
}

/** Whether the executable's own image (not a core's memory over it) holds a valid moduledata. */
function foundInFile(elf: ElfFile, version: GoVersion | undefined, loadBias: number): boolean {
  try {
    findModuledata(elf, ExecutableImage.of(elf, loadBias), version, loadBias);
    return true;
  } catch (err) {
    if (err instanceof UserError) return false;
    throw err;
  }
}

/** The module list (firstmoduledata.next …): more than one only with plugins or -linkshared. */
export function moduleList(first: Moduledata, mem: AddressSpace, version?: GoVersion): Moduledata[] {
  const modules = [first];
  for (let next = first.next; next !== 0 && modules.length < 64; ) {
    const md = tryAt(next, mem, version);
    if (!md) break;
    modules.push(md);
    next = md.next;
  }
  return modules;
}
