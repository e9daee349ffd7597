import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, openSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorKind, UserError } from '../../src/errors.js';
import { MemoryFault } from '../../src/core/address-space.js';
import { ProcessImage } from '../../src/core/process-image.js';
import { AT_ENTRY, AT_PAGESZ, AT_PHDR, REGISTER_NAMES } from '../../src/elf/core-notes.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import {
  type BuildKind,
  buildProgram,
  crashDump,
  gcore,
  gdbAuxv,
  gdbFileMappings,
  gdbRegisters,
  kernelCoreUnavailable,
  makeWorkDir,
  removeWorkDir,
  settledThreads,
  startProgram,
  stop,
} from './harness.js';

interface Dumped {
  name: string;
  kind: BuildKind;
  dump: 'gcore' | 'crash';
  binary: string;
  core: string;
  pid: number;
  tids: number[];
  marker: bigint;
  markerAddr: number;
}

const noKernelCores = kernelCoreUnavailable();
if (noKernelCores) console.warn(`NOTE: ${noKernelCores}; crash cores are made with gcore instead.`);

let dir: string;
const dumps: Dumped[] = [];

async function dump(kind: BuildKind, how: 'gcore' | 'crash'): Promise<Dumped> {
  const cwd = join(dir, `${kind}-${how}`);
  execFileSync('mkdir', ['-p', cwd]);
  const binary = buildProgram(cwd, kind);
  const running = await startProgram(binary, cwd);
  const tids = await settledThreads(running.pid);
  let core: string;
  if (how === 'crash' && !noKernelCores) {
    core = await crashDump(running, cwd);
  } else {
    core = gcore(running.pid, cwd);
    stop(running);
  }
  return { name: `${kind} build, ${how}`, kind, dump: how, binary, core, pid: running.pid, tids, marker: running.marker, markerAddr: running.markerAddr };
}

beforeAll(async () => {
  dir = makeWorkDir();
  dumps.push(await dump('default', 'gcore'));
  dumps.push(await dump('pie', 'crash'));
  dumps.push(await dump('stripped', 'crash'));
});

afterAll(() => removeWorkDir(dir));

function expectUserError(fn: () => unknown, kind: ErrorKind, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect((err as Error).message).toMatch(message);
    expect((err as UserError).kind).toBe(kind);
    return;
  }
  throw new Error('expected a UserError');
}

describe.each([0, 1, 2])('ProcessImage of a real core (#%i)', (i) => {
  const d = () => dumps[i];
  let image: ProcessImage;
  beforeAll(() => {
    image = ProcessImage.open(d().core, d().binary);
  });
  afterAll(() => image.close());

  it('has the threads the process had, with the registers gdb sees', () => {
    expect(image.threads.map((t) => t.pid).sort((a, b) => a - b)).toEqual(d().tids);
    const gdb = gdbRegisters(d().binary, d().core);
    expect([...gdb.keys()].sort((a, b) => a - b)).toEqual(d().tids);
    for (const thread of image.threads) {
      const truth = gdb.get(thread.pid)!;
      const compared = REGISTER_NAMES.filter((name) => truth.has(name));
      expect(compared).toEqual(expect.arrayContaining(['rip', 'rsp', 'rbp', 'rax', 'r15', 'eflags', 'cs']));
      for (const name of compared) {
        expect([name, thread.registers.words[REGISTER_NAMES.indexOf(name)]]).toEqual([name, truth.get(name)]);
      }
      expect(thread.registers.rip).toBe(Number(truth.get('rip')));
      expect(thread.registers.rsp).toBe(Number(truth.get('rsp')));
    }
  });

  it('reads the planted global at the address the program printed', () => {
    const bytes = image.read(d().markerAddr, 8);
    expect(bytes.readBigUInt64LE(0)).toBe(d().marker);
    expect(BigInt(image.readU64(d().markerAddr))).toBe(d().marker); // below 2^53 by construction
    const symbol = image.exe.symbol('main.Marker');
    if (d().kind === 'stripped') {
      expect(symbol).toBeUndefined();
    } else {
      expect(symbol!.value + image.loadBias).toBe(d().markerAddr);
    }
  });

  it('computes the load bias: 0 for a fixed-address binary, AT_ENTRY - e_entry for a PIE', () => {
    const atEntry = Number(gdbAuxv(d().binary, d().core).get(AT_ENTRY));
    expect(image.loadBias).toBe(atEntry - image.exe.header.entry);
    if (d().kind === 'pie') expect(image.loadBias).toBeGreaterThan(0);
    else expect(image.loadBias).toBe(0);
    expect(image.loadBias % 4096).toBe(0);
  });

  it('decodes the auxiliary vector as gdb does', () => {
    const truth = gdbAuxv(d().binary, d().core);
    expect(truth.size).toBeGreaterThan(10);
    truth.delete(0); // AT_NULL ends the vector; auxv leaves it out
    for (const [key, value] of truth) expect([key, image.auxv.get(key)]).toEqual([key, Number(value)]);
    expect(image.auxv.has(0)).toBe(false);
    expect(image.auxv.get(AT_PAGESZ)).toBe(4096);
    expect(image.auxv.get(AT_PHDR)).toBe(image.exe.header.phoff + image.exe.programHeaders.find((p) => p.type === 1 && p.offset === 0)!.vaddr + image.loadBias);
  });

  it('decodes NT_FILE as gdb does and finds the executable in it', () => {
    const truth = gdbFileMappings(d().binary, d().core);
    expect(truth.length).toBeGreaterThanOrEqual(3);
    expect(image.files.map((f) => [f.start, f.end, f.fileOffset, f.path])).toEqual(truth);
    expect(basename(image.exePathInCore!)).toBe(basename(d().binary));
  });

  it('records process info and, for a crash, the signal', () => {
    expect(image.prpsinfo!.pid).toBe(d().pid);
    expect(image.prpsinfo!.fname).toBe(basename(d().binary).slice(0, 15));
    if (d().dump === 'crash' && !noKernelCores) {
      expect(image.siginfo!.signo).toBe(6);
      expect(image.threads[0].cursig).toBe(6);
      expect(image.threads[0].pid).toBe(d().pid);
    }
  });

  it('finds the executable’s Go build ID in core memory', () => {
    const truth = execFileSync('go', ['tool', 'buildid', d().binary], { encoding: 'utf8' }).trim();
    expect(image.exeBuildIdInCore()).toBe(truth);
    expect(image.exe.goBuildId()).toBe(truth);
  });

  it('shows the executable’s text through the image, from the core or the file', () => {
    const exe = image.exe;
    const text = exe.section('.text')!;
    const data = exe.sectionData(text);
    for (const offset of [0, 0x1234, text.size - 4096]) {
      expect(image.read(text.addr + image.loadBias + offset, 4096).equals(data.subarray(offset, offset + 4096))).toBe(true);
    }
    const source = image.segmentAt(text.addr + image.loadBias + 0x10000)!.source;
    expect(source).toBe(d().dump === 'gcore' || noKernelCores ? 'core' : 'executable');
  });

  it('accounts for every mapped byte and reads across segment boundaries', () => {
    const s = image.summary();
    const total = image.mappings.reduce((sum, m) => sum + (m.end - m.start), 0);
    expect(s.fromCore + s.fromExecutable + s.fromFiles + s.zeroFilled + s.missing).toBe(total);
    expect(s.fromCore).toBeGreaterThan(0);
    expect(s.fromCore).toBeLessThanOrEqual(statSync(d().core).size);
    for (let k = 1; k < image.mappings.length; k++) {
      const [a, b] = [image.mappings[k - 1], image.mappings[k]];
      expect(a.end).toBeLessThanOrEqual(b.start);
    }
    const k = image.segments.findIndex((seg, j) => j > 0 && seg.source !== 'missing' && image.segments[j - 1].source !== 'missing' && image.segments[j - 1].end === seg.start && seg.source !== image.segments[j - 1].source);
    expect(k).toBeGreaterThan(0);
    const boundary = image.segments[k].start;
    const across = image.read(boundary - 16, 32);
    expect(across.equals(Buffer.concat([image.read(boundary - 16, 16), image.read(boundary, 16)]))).toBe(true);
    expect(image.isMapped(boundary - 16, 32)).toBe(true);
    expect(image.isMapped(0x1000)).toBe(false);
    expect(() => image.readU64(0x1000)).toThrow(MemoryFault);
  });
});

describe('ProcessImage on the wrong input', () => {
  const crash = () => dumps[1];

  it('says so when the executable and the core are swapped', () => {
    expectUserError(() => ProcessImage.open(crash().binary, crash().core), 'notACore', /is a PIE executable or shared library, not a core; give the core first and the binary second/);
    expectUserError(() => ProcessImage.open(dumps[0].binary, dumps[0].binary), 'notACore', /is an executable, not a core dump/);
    expectUserError(() => ProcessImage.open(crash().core, crash().core), 'usage', /is a core dump, not an executable/);
  });

  it('refuses a core that is not ELF', () => {
    const text = join(dir, 'core.txt');
    writeFileSync(text, 'not a core\n');
    expectUserError(() => ProcessImage.open(text, crash().binary), 'notElf', /not an ELF file/);
  });

  it('refuses a non-amd64 core', () => {
    const arm = join(dir, 'arm64-core');
    copyFileSync(crash().core, arm);
    const fd = openSync(arm, 'r+');
    writeSync(fd, Buffer.from([183, 0]), 0, 2, 18); // e_machine = EM_AARCH64
    closeSync(fd);
    expectUserError(() => ProcessImage.open(arm, crash().binary), 'unsupported', /ARM64 ELF file; goheapflame reads only linux\/amd64/);
  });

  it('refuses a truncated core, and with force reads what is left', () => {
    const whole = ElfFile.open(crash().core);
    const impliedSize = whole.impliedSize();
    // Cut inside the segment that holds the planted global, so that it is lost.
    const markerLoad = whole.programHeaders.find((p) => p.type === 1 && p.vaddr <= crash().markerAddr && crash().markerAddr < p.vaddr + p.filesz)!;
    const cutAt = markerLoad.offset + (crash().markerAddr - markerLoad.vaddr) - 8;
    whole.close();
    const cut = join(dir, 'cut-core');
    copyFileSync(crash().core, cut);
    truncateSync(cut, cutAt);
    expectUserError(() => ProcessImage.open(cut, crash().binary), 'truncatedCore', new RegExp(`truncated: ${impliedSize - cutAt} bytes are missing.*dump it again`));

    const image = ProcessImage.open(cut, crash().binary, { force: true });
    expect(image.truncatedBytes).toBe(impliedSize - cutAt);
    expect(image.warnings.join(' ')).toMatch(/truncated/);
    expect(image.summary().missing).toBeGreaterThan(0);
    expect(image.segmentAt(crash().markerAddr)!.source).toBe('missing');
    expect(() => image.readU64(crash().markerAddr)).toThrow(MemoryFault);
    expect(image.isMapped(crash().markerAddr - 16, 8)).toBe(true);
    // The kernel writes notes first, so threads survive a cut near the end.
    expect(image.threads.length).toBe(crash().tids.length);
    image.close();
  });

  it('tells a mismatched binary by its build ID', () => {
    const other = dumps.find((x) => x.kind === 'default')!;
    const image = ProcessImage.open(other.core, dumps[2].binary);
    expect(image.exeBuildIdInCore()).toBeDefined();
    expect(image.exeBuildIdInCore()).not.toBe(image.exe.goBuildId());
    image.close();
  });
});
