/**
 * The bundled sample (samples/): the compactor must not change what a core says, and the committed
 * core must read with the committed binary. A fresh sample is made with samples/make-sample.sh into
 * a temporary directory, keeping the kernel's core, and both cores are read side by side.
 * Needs `npm run build` (the compactor and the CLI run from dist/) and a core_pattern of `core`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessImage } from '../../src/core/process-image.js';
import { PT_LOAD, type ProgramHeader } from '../../src/elf/elf-file.js';
import { runCliJson } from '../support/run-cli.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const samplesDir = join(repoRoot, 'samples');
const PAGE = 4096;
/** Unstored tails longer than this are compared on sampled pages only (they reach hundreds of MB). */
const FULL_COMPARE_LIMIT = 4 << 20;
const SAMPLED_PAGES = 1024;
const CHUNK = 1 << 20;

interface Range {
  start: number;
  end: number;
}

/** Sorted address ranges, adjacent ones merged. */
function merged(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

function rangesOf(image: ProcessImage, keep: (source: string) => boolean): Range[] {
  return merged(image.segments.filter((s) => keep(s.source)).map(({ start, end }) => ({ start, end })));
}

function intersect(a: Range[], b: Range[]): Range[] {
  const out: Range[] = [];
  for (const x of a) for (const y of b) if (x.start < y.end && y.start < x.end) out.push({ start: Math.max(x.start, y.start), end: Math.min(x.end, y.end) });
  return merged(out);
}

function userLoads(image: ProcessImage): ProgramHeader[] {
  return image.core.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0 && p.vaddr + p.memsz <= Number.MAX_SAFE_INTEGER);
}

/** The page-aligned addresses of [start, end) to compare: all of them, or an even spread when the range is large. */
function pagesToCompare(start: number, end: number): number[] {
  const pages = Math.ceil((end - start) / PAGE);
  if (end - start <= FULL_COMPARE_LIMIT) return Array.from({ length: pages }, (_, i) => start + i * PAGE);
  const stride = Math.floor(pages / SAMPLED_PAGES);
  return Array.from({ length: SAMPLED_PAGES }, (_, i) => start + (i * stride + (i % stride)) * PAGE).concat(start + (pages - 1) * PAGE);
}

/** The first address in [start, end) where the two images differ, or undefined. */
function firstDifference(a: ProcessImage, b: ProcessImage, start: number, end: number): number | undefined {
  for (let at = start; at < end; at += CHUNK) {
    const n = Math.min(CHUNK, end - at);
    if (!a.isMapped(at, n)) return b.isMapped(at, n) ? at : undefined;
    if (!b.isMapped(at, n) || !a.read(at, n).equals(b.read(at, n))) return at;
  }
  return undefined;
}

const notesOf = (image: ProcessImage) => image.core.notes().map((n) => ({ name: n.name, type: n.type, desc: n.desc.toString('hex') }));

/** Runs a command that must succeed, giving its stdout and stderr together. */
function output(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBUGINFOD_URLS: '' }, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  expect(r.status, `${command} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout + r.stderr;
}

describe('a freshly made sample: the compacted core reads like the kernel core', () => {
  let dir: string;
  let binary: string;
  let rawCore: string;
  let compactCore: string;
  let raw: ProcessImage;
  let compact: ProcessImage;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'goheapflame-sample-test-'));
    execFileSync('bash', [join(samplesDir, 'make-sample.sh')], {
      env: { ...process.env, SAMPLE_OUT_DIR: dir, SAMPLE_KEEP_RAW: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10 * 60_000,
    });
    binary = join(dir, 'leaky.bin');
    rawCore = join(dir, 'leaky.raw.core');
    compactCore = join(dir, 'leaky.core');
    raw = ProcessImage.open(rawCore, binary);
    compact = ProcessImage.open(compactCore, binary);
  });

  afterAll(() => {
    raw?.close();
    compact?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is much smaller and stores no all-zero page outside file mappings', () => {
    expect(compact.core.size).toBeLessThan(raw.core.size / 4);
    const files = merged(compact.files.map(({ start, end }) => ({ start, end })));
    const zero = Buffer.alloc(PAGE);
    const storedZeroPages: number[] = [];
    for (const p of userLoads(compact)) {
      const data = compact.core.readChecked(p.offset, p.filesz, 'segment');
      for (let at = 0; at < p.filesz; at += PAGE) {
        const addr = p.vaddr + at;
        const fileBacked = files.some((f) => f.start <= addr && addr < f.end);
        if (!fileBacked && data.subarray(at, at + PAGE).equals(zero)) storedZeroPages.push(addr);
      }
    }
    expect(storedZeroPages).toEqual([]);
  });

  it('maps the same addresses, and stores the same bytes of file-backed mappings', () => {
    expect(rangesOf(compact, (s) => s !== 'missing')).toEqual(rangesOf(raw, (s) => s !== 'missing'));
    expect(rangesOf(compact, (s) => s === 'missing')).toEqual(rangesOf(raw, (s) => s === 'missing'));
    const files = merged(raw.files.map(({ start, end }) => ({ start, end })));
    const storedFileBytes = (image: ProcessImage) => intersect(rangesOf(image, (s) => s === 'core'), files);
    expect(storedFileBytes(raw).length).toBeGreaterThan(0);
    expect(storedFileBytes(compact)).toEqual(storedFileBytes(raw));
  });

  it('has the same bytes at every stored page of the kernel core and at sampled pages of the rest', () => {
    const loads = userLoads(raw);
    expect(loads.length).toBeGreaterThan(0);
    const differences: string[] = [];
    for (const p of loads) {
      const storedEnd = p.vaddr + Math.min(p.filesz, p.memsz);
      const stored = firstDifference(raw, compact, p.vaddr, storedEnd);
      if (stored !== undefined) differences.push(`0x${stored.toString(16)} (stored)`);
      for (const page of pagesToCompare(storedEnd, p.vaddr + p.memsz)) {
        const at = firstDifference(raw, compact, page, page + PAGE);
        if (at !== undefined) differences.push(`0x${at.toString(16)}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('has the same threads, registers and notes', () => {
    expect(raw.threads.length).toBeGreaterThan(1);
    expect(compact.threads).toEqual(raw.threads);
    expect(notesOf(compact)).toEqual(notesOf(raw));
    expect(compact.auxv).toEqual(raw.auxv);
    expect(compact.loadBias).toBe(raw.loadBias);
    expect(compact.warnings).toEqual(raw.warnings);
  });

  it('is a valid core for readelf and gdb, which see the same threads as in the kernel core', () => {
    const readelf = output('readelf', ['-lW', compactCore]);
    expect(readelf).not.toMatch(/warning|error/i);
    expect(readelf).toContain('CORE (Core file)');
    const gdb = (core: string) => output('gdb', ['-nx', '-batch', '-ex', 'info threads', binary, core]).replaceAll(core, 'CORE');
    const fromCompact = gdb(compactCore);
    const lwps = new Set(fromCompact.match(/LWP \d+/g));
    expect(lwps).toEqual(new Set(compact.threads.map((t) => `LWP ${t.pid}`)));
    expect(fromCompact).toBe(gdb(rawCore));
  });

  it('gives the same `info --json` (but for how memory splits into stored and zero bytes) and `top --json -n 0`', () => {
    type Info = { core: string; memory: Record<string, number> } & Record<string, unknown>;
    const info = (core: string) => runCliJson<Info>(['info', '--json', core, binary]);
    const before = info(rawCore);
    const after = info(compactCore);
    // Dropped zero pages move bytes from "core" to "zero" and split mappings; the total stays.
    const m = after.memory;
    const rawM = before.memory;
    expect(m.fromCore + m.zeroFilled).toBe(rawM.fromCore + rawM.zeroFilled);
    expect(m.fromCore).toBeLessThan(rawM.fromCore);
    for (const key of ['fromExecutable', 'fromFiles', 'missing']) expect(m[key], key).toBe(rawM[key]);
    expect({ ...after, core: 'CORE', memory: undefined }).toEqual({ ...before, core: 'CORE', memory: undefined });

    const top = (core: string) => runCliJson<{ types: unknown[] }>(['top', '--quiet', '--json', '-n', '0', core, binary]);
    const topBefore = top(rawCore);
    expect(topBefore.types.length).toBeGreaterThan(10);
    expect(top(compactCore)).toEqual(topBefore);
  });
});

describe('the committed sample', () => {
  const core = join(samplesDir, 'leaky.core');
  const binary = join(samplesDir, 'leaky.bin');

  it('stays small', () => {
    expect(statSync(core).size).toBeLessThan(8 << 20);
    expect(statSync(binary).size).toBeLessThan(5 << 20);
  });

  it('reads with its binary: Go version of the build, matching build ID', () => {
    const builtWith = execFileSync('go', ['version', binary], { encoding: 'utf8' }).trim().split(' ').at(-1);
    const info = runCliJson<{ goVersion: string; buildId: { matches?: boolean }; warnings: string[]; goroutines?: { user: number } }>(['info', '--json', core, binary]);
    expect(info.goVersion).toBe(builtWith);
    expect(info.buildId.matches).toBe(true);
    expect(info.warnings).toEqual([]);
  });

  it('holds what samples/leaky/main.go plants', () => {
    const source = readFileSync(join(samplesDir, 'leaky', 'main.go'), 'utf8');
    const constant = (name: string) => Number(source.match(new RegExp(`^\\s*${name}\\s*=\\s*(\\d+)$`, 'm'))?.[1]);
    const { types } = runCliJson<{ types: Array<{ type: string; count: number }> }>(['top', '--quiet', '--json', '-n', '0', core, binary]);
    const count = (type: string) => types.find((t) => t.type === type)?.count;
    expect(count('main.Session')).toBe(constant('sessions'));
    expect(count('main.Request')).toBe(constant('pendingRequests'));
    expect(count('main.indexNode')).toBe(constant('indexNodes'));
  });
});
