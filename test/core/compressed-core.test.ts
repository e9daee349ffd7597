/**
 * Cores compressed with zstd (as systemd-coredump stores them) and gzip, read directly: recognised by
 * their first bytes, decompressed into a sparse temporary file that is gone when the command ends,
 * however it ends; a stream cut short or damaged gets the error of a truncated or damaged raw core.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const core = join(repo, 'samples/leaky.core');
const binary = join(repo, 'samples/leaky.bin');
const launcher = join(repo, 'bin/goheapflame.js');

function zstd(input: Buffer): Buffer {
  const r = spawnSync('zstd', ['-q', '-c', '-3'], { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd failed (is it installed? apt-get install zstd): ${r.stderr}`);
  return r.stdout;
}

describe('compressed cores', () => {
  let dir: string;
  /** The temporary directory the CLI runs with: it must be empty after every run. */
  let scratch: string;
  let files: Record<'zstd' | 'gzip' | 'zstdCut' | 'gzipCut' | 'zstdBad' | 'gzipBad', string>;

  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [launcher, ...args], { env: { ...process.env, TMPDIR: scratch }, encoding: 'utf8', maxBuffer: 1 << 28 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'goheapflame-compressed-test-'));
    scratch = join(dir, 'scratch');
    spawnSync('mkdir', [scratch]);
    const raw = readFileSync(core);
    const z = zstd(raw);
    const g = gzipSync(raw);
    const damage = (b: Buffer) => {
      const copy = Buffer.from(b);
      for (let i = 200; i < 600; i++) copy[i]! ^= 0x5a;
      return copy;
    };
    // Names that say nothing of the compression: it is told by the first bytes.
    const write = (name: string, bytes: Buffer) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    files = {
      zstd: write('core.2370', z),
      gzip: write('dump', g),
      zstdCut: write('cut.zst', z.subarray(0, z.length >> 1)),
      gzipCut: write('cut.gz', g.subarray(0, g.length >> 1)),
      zstdBad: write('bad.zst', damage(z)),
      gzipBad: write('bad.gz', damage(g)),
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['zstd', 'gzip'] as const)('reads a %s core as the raw core it holds', (kind) => {
    const raw = run([core, binary, '--format', 'folded', '-q']);
    const compressed = run([files[kind], binary, '--format', 'folded', '-q']);
    expect(compressed.code, compressed.stderr).toBe(0);
    expect(compressed.stdout).toBe(raw.stdout);
    expect(raw.stdout.split('\n').length).toBeGreaterThan(10);
    const info = JSON.parse(run(['info', files[kind], binary, '--json']).stdout) as { core: string; heap: { objects: number } };
    expect(info.core).toBe(files[kind]);
    expect(info.heap.objects).toBe((JSON.parse(run(['info', core, binary, '--json']).stdout) as typeof info).heap.objects);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('gives the same info --json for the raw core, its zstd and gzip copies and the file systemd-coredump wrote of it', () => {
    const infoOf = (path: string) => {
      const r = run(['info', path, binary, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const { core: name, ...rest } = JSON.parse(r.stdout) as { core: string };
      expect(name).toBe(path);
      return rest;
    };
    const raw = infoOf(core);
    expect(Object.keys(raw).length).toBeGreaterThan(5);
    // Written by the real systemd-coredump 252 (see testdata/systemd-coredump.py), named as it names them.
    const systemd = join(repo, 'test/core/testdata', 'core.leaky\\x2ebin.0.5769e2fba12c448e808843e81c8762cd.20211.1796598260000000.zst');
    for (const path of [files.zstd, files.gzip, systemd]) expect(infoOf(path), path).toEqual(raw);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it.each(['zstdCut', 'gzipCut'] as const)('gives a stream cut short (%s) the error of a truncated core', (kind) => {
    const r = run(['info', files[kind], binary]);
    expect(r.code).toBe(ExitCode.truncatedCore);
    expect(r.stderr).toMatch(/^goheapflame: \S+ is a (zstd|gzip) stream cut short after \d+ bytes .*; copy it again, or pass --force to read what there is\.\n$/);
    // --force reads what there is: whatever it finds, it is no longer the stream's error, and it
    // names the file the user gave, not the decompressed copy.
    const forcedRun = run(['info', files[kind], binary, '--force']);
    const forced = forcedRun.stdout + forcedRun.stderr; // info reports what is missing among its lines
    expect(forced).not.toMatch(/stream cut short/);
    expect(forced).toContain(`${files[kind]} is truncated`);
    expect(forced).not.toContain(scratch);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it.each(['zstdBad', 'gzipBad'] as const)('gives a damaged stream (%s) the error of a damaged core', (kind) => {
    const r = run(['top', files[kind], binary]);
    expect(r.code).toBe(ExitCode.badInputData);
    expect(r.stderr).toMatch(/^goheapflame: \S+ is a (zstd|gzip) stream damaged within its first \d+ bytes, so the core in it cannot be read; copy the core again\.\n$/);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('says which temporary directory it cannot write, as a usage error', () => {
    const missing = join(dir, 'no-such-dir');
    const r = spawnSync(process.execPath, [launcher, 'info', files.zstd, binary], { env: { ...process.env, TMPDIR: missing }, encoding: 'utf8' });
    expect(r.status).toBe(ExitCode.usage);
    expect(r.stderr).toBe(`goheapflame: Cannot write a temporary file in ${missing} (ENOENT); set TMPDIR to a writable directory with room for the core's data.\n`);
  });

  it('removes its temporary file when it is stopped by a signal while decompressing', async () => {
    // 4 GiB of zeros: a few seconds to decompress, long enough to be stopped in the middle.
    const zeros = spawnSync('bash', ['-c', `head -c 4G /dev/zero | zstd -q -c -1 > ${join(dir, 'zeros.zst')}`]);
    expect(zeros.status).toBe(0);
    const child = spawn(process.execPath, [launcher, 'info', join(dir, 'zeros.zst'), binary], { env: { ...process.env, TMPDIR: scratch }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (readdirSync(scratch).length === 0) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    expect(await exited).toBe(128 + 15);
    expect(readdirSync(scratch)).toEqual([]);
  });
});
