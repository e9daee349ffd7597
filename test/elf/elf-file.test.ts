import { execFileSync } from 'node:child_process';
import { copyFileSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorKind, UserError } from '../../src/errors.js';
import { ET_DYN, ET_EXEC, ElfFile, SHF_COMPRESSED } from '../../src/elf/elf-file.js';
import { ExecutableImage } from '../../src/core/executable-image.js';
import { buildProgram, makeWorkDir, removeWorkDir } from '../core/harness.js';

function readelf(...args: string[]): string {
  return execFileSync('readelf', ['-W', ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
}

interface ReadelfSection {
  index: number;
  name: string;
  addr: number;
  offset: number;
  size: number;
  flags: string;
  link: number;
  info: number;
  align: number;
}

function readelfSections(path: string): ReadelfSection[] {
  const out: ReadelfSection[] = [];
  const re = /^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)\s+(\d+)\s+(\d+)\s+(\d+)$/;
  for (const line of readelf('-S', path).split('\n')) {
    const m = line.match(re);
    if (!m || m[1] === '0') continue;
    out.push({
      index: Number(m[1]),
      name: m[2],
      addr: parseInt(m[3], 16),
      offset: parseInt(m[4], 16),
      size: parseInt(m[5], 16),
      flags: m[6],
      link: Number(m[7]),
      info: Number(m[8]),
      align: Number(m[9]),
    });
  }
  return out;
}

interface ReadelfSymbol {
  value: number;
  size: number;
  type: string;
  bind: string;
  ndx: string;
  name: string;
}

function readelfSymbols(path: string): ReadelfSymbol[] {
  const out: ReadelfSymbol[] = [];
  const re = /^\s*\d+: ([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s?(.*)$/;
  for (const line of readelf('-s', path).split('\n')) {
    const m = line.match(re);
    if (m) out.push({ value: parseInt(m[1], 16), size: Number(m[2]), type: m[3], bind: m[4], ndx: m[5], name: m[6] });
  }
  return out.slice(1); // entry 0 is the null symbol, which ElfFile leaves out
}

const TYPES: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, TLS: 6 };
const BINDS: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2 };

function expectUserError(fn: () => unknown, kind: ErrorKind, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect((err as Error).name).toBe('UserError');
    expect((err as UserError).kind).toBe(kind);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a UserError');
}

let dir: string;
let binaries: { default: string; stripped: string; pie: string };

beforeAll(() => {
  dir = makeWorkDir();
  binaries = { default: buildProgram(dir, 'default'), stripped: buildProgram(dir, 'stripped'), pie: buildProgram(dir, 'pie') };
});

afterAll(() => removeWorkDir(dir));

describe('ElfFile on Go binaries', () => {
  it.each(['default', 'stripped', 'pie'] as const)('reads the %s build’s sections as readelf does', (kind) => {
    const elf = ElfFile.open(binaries[kind]);
    const truth = readelfSections(binaries[kind]);
    expect(elf.sections.length).toBe(truth.length + 1);
    for (const t of truth) {
      const s = elf.sections[t.index];
      expect({ name: s.name, addr: s.addr, offset: s.offset, size: s.size, link: s.link, info: s.info, align: s.addralign, compressed: (s.flags & SHF_COMPRESSED) !== 0 }).toEqual({
        name: t.name,
        addr: t.addr,
        offset: t.offset,
        size: t.size,
        link: t.link,
        info: t.info,
        align: t.align,
        compressed: t.flags.includes('C'),
      });
      expect(elf.section(t.name)).toBe(elf.sections.find((x) => x.name === t.name));
    }
    elf.close();
  });

  it('reads the header and program headers as readelf does', () => {
    for (const [path, type] of [[binaries.default, ET_EXEC], [binaries.pie, ET_DYN]] as const) {
      const elf = ElfFile.open(path);
      expect(elf.header.type).toBe(type);
      expect(elf.header.machine).toBe(62);
      const entry = readelf('-h', path).match(/Entry point address:\s+0x([0-9a-f]+)/)![1];
      expect(elf.header.entry).toBe(parseInt(entry, 16));
      const loads = [...readelf('-l', path).matchAll(/^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+) 0x([0-9a-f]+)/gm)];
      const ours = elf.programHeaders.filter((p) => p.type === 1);
      expect(ours.map((p) => [p.offset, p.vaddr, p.filesz, p.memsz])).toEqual(loads.map((m) => [1, 2, 3, 4].map((i) => parseInt(m[i], 16))));
      elf.close();
    }
  });

  it('reads every .symtab symbol as readelf does, and none from a stripped binary', () => {
    const elf = ElfFile.open(binaries.default);
    const truth = readelfSymbols(binaries.default);
    const ours = elf.symbols();
    expect(ours.length).toBe(truth.length);
    ours.forEach((s, i) => {
      const t = truth[i];
      expect([s.name, s.value, s.size, s.type, s.bind]).toEqual([t.name, t.value, t.size, TYPES[t.type], BINDS[t.bind]]);
      if (/^\d+$/.test(t.ndx)) expect(s.shndx).toBe(Number(t.ndx));
    });
    const marker = elf.symbol('main.Marker');
    expect(marker).toMatchObject({ type: 1, size: 8, value: truth.find((t) => t.name === 'main.Marker')!.value });
    expect(elf.symbol('no.such.symbol')).toBeUndefined();
    elf.close();
    const stripped = ElfFile.open(binaries.stripped);
    expect(stripped.symbols()).toEqual([]);
    expect(stripped.section('.debug_info')).toBeUndefined();
    stripped.close();
  });

  it.each(['default', 'stripped', 'pie'] as const)('finds the %s build’s Go and GNU build IDs', (kind) => {
    const elf = ElfFile.open(binaries[kind]);
    const goId = execFileSync('go', ['tool', 'buildid', binaries[kind]], { encoding: 'utf8' }).trim();
    expect(elf.goBuildId()).toBe(goId);
    const gnuId = readelf('-n', binaries[kind]).match(/Build ID: ([0-9a-f]+)/)?.[1];
    expect(elf.gnuBuildId()).toBe(gnuId);
    const owners = [...readelf('-n', binaries[kind]).matchAll(/^\s+(\S+)\s+0x([0-9a-f]+)\t/gm)].map((m) => [m[1], parseInt(m[2], 16)]);
    expect(elf.notes().map((n) => [n.name, n.desc.length])).toEqual(owners);
    elf.close();
  });

  it('decompresses zlib DWARF sections to the bytes objcopy produces', () => {
    const plain = join(dir, 'decompressed');
    execFileSync('objcopy', ['--decompress-debug-sections', binaries.default, plain]);
    const elf = ElfFile.open(binaries.default);
    const plainSections = readelfSections(plain);
    const plainBytes = readFileSync(plain);
    const compressed = elf.sections.filter((s) => s.flags & SHF_COMPRESSED);
    expect(compressed.map((s) => s.name)).toEqual(expect.arrayContaining(['.debug_info', '.debug_line', '.debug_abbrev']));
    for (const s of compressed) {
      const t = plainSections.find((p) => p.name === s.name)!;
      const data = elf.sectionData(s.name);
      expect(data.length).toBe(t.size);
      expect(data.equals(plainBytes.subarray(t.offset, t.offset + t.size))).toBe(true);
    }
    // An uncompressed section comes back as its file bytes.
    const text = elf.section('.text')!;
    expect(elf.sectionData(text).equals(readFileSync(binaries.default).subarray(text.offset, text.offset + text.size))).toBe(true);
    elf.close();
  });

  it('ExecutableImage reads the binary at its link addresses, .bss as zeros', () => {
    const elf = ElfFile.open(binaries.default);
    const image = ExecutableImage.of(elf);
    const text = elf.section('.text')!;
    expect(image.read(text.addr, 64).equals(elf.sectionData(text).subarray(0, 64))).toBe(true);
    const marker = elf.symbol('main.Marker')!; // in .noptrbss: no file bytes, zero before main runs
    expect(image.readU64(marker.value)).toBe(0);
    const bss = elf.section('.bss')!;
    expect(image.isMapped(bss.addr, bss.size)).toBe(true);
    expect(image.isMapped(0x1000)).toBe(false);
    expect(() => image.readU64(0x1000)).toThrow(/not mapped/);
    // Words read as numbers: pick one below 2^53, where numbers are exact.
    const rodata = elf.section('.rodata')!;
    const bytes = elf.sectionData(rodata);
    let at = 8;
    while (bytes.readBigUInt64LE(at) === 0n || bytes.readBigUInt64LE(at) >= 1n << 53n) at += 8;
    expect(BigInt(image.readU64(rodata.addr + at))).toBe(bytes.readBigUInt64LE(at));
    expect(image.readU32(rodata.addr + at + 3)).toBe(bytes.readUInt32LE(at + 3));
    expect(image.readU16(rodata.addr + at + 1)).toBe(bytes.readUInt16LE(at + 1));
    expect(image.readU8(rodata.addr + at + 5)).toBe(bytes[at + 5]);
    expect(image.readI64(rodata.addr + at)).toBe(Number(bytes.readBigInt64LE(at)));
    elf.close();
  });

  it('ExecutableImage applies a PIE load bias', () => {
    const bias = 0x5555_5555_4000;
    const elf = ElfFile.open(binaries.pie);
    const image = ExecutableImage.of(elf, bias);
    const text = elf.section('.text')!;
    expect(image.read(text.addr + bias, 32).equals(elf.sectionData(text).subarray(0, 32))).toBe(true);
    expect(image.isMapped(text.addr)).toBe(false);
    elf.close();
  });
});

describe('ElfFile on bad input', () => {
  it('refuses a file that is not ELF', () => {
    const path = join(dir, 'not-elf.txt');
    writeFileSync(path, 'hello, this is text and no ELF file\n');
    expectUserError(() => ElfFile.open(path), 'notElf', /not an ELF file/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    expectUserError(() => ElfFile.open(empty), 'notElf', /not an ELF file/);
  });

  it('maps a missing file or a directory to unreadableInput', () => {
    expectUserError(() => ElfFile.open(join(dir, 'nope')), 'unreadableInput', /no such file/);
    expectUserError(() => ElfFile.open(dir), 'unreadableInput', /directory/);
  });

  it('refuses non-amd64 and non-64-bit files, saying what they are', () => {
    const arm = join(dir, 'arm64');
    copyFileSync(binaries.default, arm);
    patch(arm, 18, Buffer.from([183, 0])); // e_machine = EM_AARCH64
    expectUserError(() => ElfFile.open(arm), 'unsupported', /64-bit little-endian ARM64 ELF file; goheapflame reads only linux\/amd64/);
    const elf32 = join(dir, 'elf32');
    copyFileSync(binaries.default, elf32);
    patch(elf32, 4, Buffer.from([1])); // EI_CLASS = ELFCLASS32
    expectUserError(() => ElfFile.open(elf32), 'unsupported', /32-bit/);
  });

  it('reports a binary cut short inside its section table as damaged', () => {
    const cut = join(dir, 'cut');
    copyFileSync(binaries.default, cut);
    const elf = ElfFile.open(binaries.default);
    truncateSync(cut, elf.header.shoff + 100);
    elf.close();
    expectUserError(() => ElfFile.open(cut), 'badInputData', /damaged or truncated/);
    const header = join(dir, 'header-only');
    copyFileSync(binaries.default, header);
    truncateSync(header, 40);
    expectUserError(() => ElfFile.open(header), 'badInputData', /truncated inside its ELF header/);
  });

  it('reports a section that lies past the end of the file', () => {
    const bad = join(dir, 'bad-size');
    copyFileSync(binaries.default, bad);
    const full = ElfFile.open(binaries.default);
    const index = full.sections.findIndex((s) => s.name === '.debug_info');
    patch(bad, full.header.shoff + index * 64 + 32, Buffer.from([0, 0, 0, 0, 0, 1, 0, 0])); // sh_size = 2^40
    full.close();
    const elf = ElfFile.open(bad);
    expectUserError(() => elf.sectionData('.debug_info'), 'badInputData', /section \.debug_info .* past the end/);
    elf.close();
  });
});

function patch(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}
