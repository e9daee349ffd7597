/**
 * Regression tests for damaged inputs and hostile options, each a minimal reproducer made from the
 * bundled sample (samples/leaky.core, samples/leaky.bin): every one ends in a clean error (one line,
 * its exit code) or in output with a warning that says what was wrong, never in a stack trace.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sax from 'sax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCore } from '../../src/analysis/analyze-core.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { ElfFile, PT_LOAD, PT_NOTE } from '../../src/elf/elf-file.js';
import { GoProcess } from '../../src/goruntime/process/go-process.js';
import { unreached } from '../../src/graph/retention-tree.js';
import { coreFileOffset, type Patch, patchedCopy } from '../support/patch-file.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { xmlProblem } from '../support/xml-check.js';

const core = 'samples/leaky.core';
const binary = 'samples/leaky.bin';
let dir: string;

/** A copy of `file`, named `name` in the test's directory, with the patches written over it. */
const patched = (file: string, name: string, patches: Patch[]) => patchedCopy(file, join(dir, name), patches);

/** Where the sample core holds the byte at virtual address `addr`. */
const coreOffset = (addr: number) => coreFileOffset(core, addr);

const u64 = (value: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
};
const u32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
};
const u16 = (value: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
};

/** A clean failure: one line on stderr, the exit code of its kind. */
function expectCleanError(r: CliResult, code: number, message: RegExp): void {
  expect(r.stderr, r.stderr).toMatch(/^goheapflame: [^\n]+\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.code, r.stderr).toBe(code);
}

/** The element names of an SVG, which must be well-formed XML (xmlProblem: sax's checks and those it leaves out, such as control characters). */
function xmlElements(svg: Buffer): string[] {
  expect(xmlProblem(svg)).toBeUndefined();
  const parser = sax.parser(true);
  const names: string[] = [];
  parser.onopentag = (node: { name: string }) => names.push(node.name);
  parser.onerror = (err: Error) => {
    throw err;
  };
  parser.write(svg.toString('utf8')).close();
  return names;
}

/** Facts of the pristine sample, read through the library. */
interface Facts {
  mheapAllspans: number;
  firstSpan: number;
  allocCountOffset: number;
  /** A pointer word inside a reachable object, and the address of a freed heap slot. */
  reachablePointerWord: number;
  freeSlot: number;
}
let facts: Facts;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'goheapflame-damaged-'));
  const proc = GoProcess.open(core, binary);
  try {
    const { layout, image } = proc;
    const mheapAllspans = proc.global('mheap') + layout.offset('runtime.mheap', 'allspans');
    const firstSpan = image.readPtr(image.readPtr(mheapAllspans));
    const analysis = analyzeCore(proc);
    const { graph, objects } = analysis.heap;
    const { parent } = analysis.tree;
    let word = 0;
    for (let obj = 0; obj < graph.objectCount && word === 0; obj++) {
      if (parent[obj] === unreached || graph.edgeStart[obj] === graph.edgeStart[obj + 1]) continue;
      word = objects.addr[obj]! + graph.edgeOffset[graph.edgeStart[obj]!]!;
    }
    let freeSlot = 0;
    const spans = objects.spans;
    for (let s = 0; s < spans.count && freeSlot === 0; s++) {
      for (let slot = 0; slot < spans.nelems[s]!; slot++) {
        const addr = spans.start[s]! + slot * spans.elemSize[s]!;
        if (objects.isFreeSlot(addr)) {
          freeSlot = addr;
          break;
        }
      }
    }
    facts = { mheapAllspans, firstSpan, allocCountOffset: layout.offset('runtime.mspan', 'allocCount'), reachablePointerWord: word, freeSlot };
  } finally {
    proc.close();
  }
  expect(facts.reachablePointerWord).toBeGreaterThan(0);
  expect(facts.freeSlot).toBeGreaterThan(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a damaged binary', () => {
  it('with a function record outside the pclntab still unwinds and draws (was RangeError in PcLnTab.findFunc)', () => {
    const elf = ElfFile.open(binary);
    const pclntab = elf.section('.gopclntab')!;
    elf.close();
    const proc = GoProcess.open(core, binary);
    const ftab = proc.binary.moduledata.ftab.ptr;
    proc.close();
    // The _func offset of function 10: far past the end of the table.
    const bin = patched(binary, 'far-func.bin', [{ offset: pclntab.offset + (ftab - pclntab.addr) + 10 * 8 + 4, bytes: u32(0x7fff_fff0) }]);
    for (const args of [['goroutines', core, bin], [core, bin, '--format', 'folded']]) {
      const r = runCli(args);
      expect(r.stderr).not.toMatch(/internal error|RangeError|    at /);
      if (r.code !== 0) expectCleanError(r, ExitCode.badInputData, /damaged/);
    }
  });

  it('whose DWARF does not decompress is read as stripped, with a warning', () => {
    const elf = ElfFile.open(binary);
    const info = elf.section('.debug_info')!;
    elf.close();
    // Past the 24-byte compression header: the zlib stream itself.
    const bin = patched(binary, 'bad-dwarf.bin', [{ offset: info.offset + 24 + 16, bytes: Buffer.alloc(64, 0xa5) }]);
    const r = runCli([core, bin, '--format', 'folded']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the DWARF of .* cannot be read, so it is read as a stripped binary/);
    expect(r.stdout).toMatch(/^global main\.sessionCache;/m);
  });

  it('whose note segment is placed at address 2^64 - 1 reads on (was a MemoryFault in the build ID check)', () => {
    const elf = ElfFile.open(binary);
    const index = elf.programHeaders.findIndex((p) => p.type === PT_NOTE);
    const phoff = elf.header.phoff;
    elf.close();
    // p_vaddr of the PT_NOTE header (fuzz case 4569 of seed 1).
    const bin = patched(binary, 'far-note.bin', [{ offset: phoff + index * 56 + 16, bytes: u64(0xffff_ffff_ffff_ffffn) }]);
    const r = runCli(['info', core, bin]);
    expect(r.stderr).not.toMatch(/internal error|    at /);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/heap /);
  });

  it('without a Go build ID is read with a warning that it could not be checked', () => {
    const elf = ElfFile.open(binary);
    const note = elf.section('.note.go.buildid')!;
    elf.close();
    // Renames the note's owner ("Go" → "Xo"): no build ID note remains.
    const bin = patched(binary, 'no-buildid.bin', [{ offset: note.offset + 12, bytes: Buffer.from('X') }]);
    const r = runCli(['info', core, bin]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warning: .*no-buildid\.bin has no Go build ID, so it cannot be checked against the core/);
  });
});

describe('a damaged core', () => {
  it('whose span list points to unmapped memory is a damaged core (was a MemoryFault)', () => {
    const bad = patched(core, 'allspans-unmapped.core', [{ offset: coreOffset(facts.mheapAllspans), bytes: u64(0x10) }]);
    expectCleanError(runCli([bad, binary, '-o', join(dir, 'x.svg')]), ExitCode.badInputData, /span list .* is not in the core/);
    const info = runCli(['info', bad, binary]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/warning: heap not read: the heap's span list/);
  });

  it('whose span list has an implausible length is a damaged core (was a plain Error)', () => {
    const bad = patched(core, 'allspans-long.core', [{ offset: coreOffset(facts.mheapAllspans + 8), bytes: u64(2 ** 40) }]);
    expectCleanError(runCli([bad, binary, '-o', join(dir, 'x.svg')]), ExitCode.badInputData, /implausible length of 1099511627776/);
  });

  it('whose program header places data past 2^48 bytes is damaged, with no rounded figures', () => {
    const elf = ElfFile.open(core);
    const h = elf.header;
    const index = elf.programHeaders.findIndex((p) => p.type === PT_LOAD && p.filesz > 0);
    elf.close();
    const bad = patched(core, 'far-offset.core', [{ offset: h.phoff + index * 56 + 8, bytes: u64(0x7fff_ffff_ffff_0000n) }]);
    const r = runCli(['info', bad, binary]);
    expectCleanError(r, ExitCode.badInputData, /is damaged: its headers place data 0x7fffffffffff[0-9a-f]+ bytes in/);
    expect(r.stderr).not.toMatch(/\d{17}/);
  });

  it('whose copy of runtime.moduledata is damaged is blamed on the core, not the binary', () => {
    const elf = ElfFile.open(binary);
    const md = elf.symbol('runtime.firstmoduledata')!;
    elf.close();
    const bad = patched(core, 'moduledata.core', [{ offset: coreOffset(md.value), bytes: Buffer.alloc(64) }]);
    expectCleanError(runCli(['info', bad, binary]), ExitCode.badInputData, /the core's copy of runtime\.moduledata is damaged, while .* holds an intact one/);
  });

  it('whose notes are zeroed is read with a warning', () => {
    const elf = ElfFile.open(core);
    const notes = elf.programHeaders.find((p) => p.type === PT_NOTE)!;
    elf.close();
    const bad = patched(core, 'no-notes.core', [{ offset: notes.offset, bytes: Buffer.alloc(notes.filesz) }]);
    const r = runCli(['info', bad, binary]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warning: .* has no thread notes \(NT_PRSTATUS\)/);
  });

  it('where a reachable object points into a freed slot says so, with the bytes affected', () => {
    const bad = patched(core, 'dangling.core', [{ offset: coreOffset(facts.reachablePointerWord), bytes: u64(facts.freeSlot) }]);
    const r = runCli([bad, binary, '--format', 'folded']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: 1 pointers in 1 reachable objects \(\d+ bytes\) lead into freed heap slots/);
  });

  it('where a span counts other objects than its bits show says so', () => {
    const bad = patched(core, 'alloc-count.core', [{ offset: coreOffset(facts.firstSpan + facts.allocCountOffset), bytes: u16(0xfff) }]);
    const r = runCli([bad, binary, '--format', 'folded']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: 1 spans \(\d+ bytes\) count other allocated objects than their allocation bits show/);
  });
});

describe('hostile options', () => {
  const folded = 'samples/sample.folded';

  it('keep --countname, --title and --subtitle text: the SVG stays well-formed and holds one script', () => {
    for (const [option, value] of [
      ['--countname', '<b>&'],
      ['--countname', '<script>alert(1)</script>'],
      ['--title', 'a\u0001b <i>'],
      ['--subtitle', '\u0007]]>\ud800'],
      ['--nametype', '"\'<'],
    ] as const) {
      const out = join(dir, 'hostile.svg');
      const r = runCli(['render', folded, option, value, '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      const elements = xmlElements(readFileSync(out));
      expect(elements.filter((e) => e === 'script'), `${option} ${value}`).toHaveLength(1);
      expect(elements).not.toContain('b');
      expect(elements).not.toContain('i');
    }
  });

  it('--total of 1e23 draws its figures in digits (was a TypeError in groupDigits)', () => {
    const out = join(dir, 'total.svg');
    const r = runCli(['render', folded, '--total', '1e23', '--countname', 'samples', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('Total 99,999,999,999,999,991,611,392 samples');
  });

  it('are checked before the core is read, and -o before anything is written', () => {
    expectCleanError(runCli(['/nonexistent/core', binary, '--width', '5']), ExitCode.usage, /--width must be a number of at least 100, not 5/);
    expectCleanError(runCli(['/nonexistent/core', binary, '-o', '/nonexistent/dir/x.svg']), ExitCode.usage, /Cannot write \/nonexistent\/dir\/x\.svg \(ENOENT\)/);
    expectCleanError(runCli(['/nonexistent/core', binary, '-o', dir]), ExitCode.usage, /\(EISDIR\)/);
  });

  it('out of a choice list, or a count that is not one, is one sentence', () => {
    expectCleanError(runCli([core, binary, '--format', 'xyz']), ExitCode.usage, /--format "xyz" is not one of "svg", "folded", "pprof", "json"\. Run with --help/);
    expectCleanError(runCli(['top', core, binary, '-n', 'abc']), ExitCode.usage, /-n must be a whole number of types/);
    expectCleanError(runCli(['top', core, binary, '-n', '-3']), ExitCode.usage, /not -3/);
  });
});
