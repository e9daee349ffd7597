/**
 * `--pid PID`: a live Go process dumped with gdb's gcore and read, its binary taken from
 * /proc/PID/exe. The process is the bundled sample program, which prints its own MemStats (after
 * runtime.GC()) once it is ready; the dump goes to a temporary file that is gone afterwards, or to
 * --keep-core.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const launcher = join(repo, 'bin/goheapflame.js');

describe('--pid: a live process', () => {
  let dir: string;
  let scratch: string;
  let program: ChildProcess;
  let truth: { objects: number; bytes: number };

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [launcher, ...args], { env: { ...process.env, TMPDIR: scratch, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'goheapflame-pid-test-'));
    scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    program = spawn(join(repo, 'samples/leaky.bin'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((ready, failed) => {
      program.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('ready\n')) ready();
      });
      program.on('exit', (code) => failed(new Error(`the sample program exited (${code}) before it was ready: ${out}`)));
    });
    const [, objects, bytes] = /heap: (\d+) objects, (\d+) bytes in use/.exec(out)!;
    truth = { objects: Number(objects), bytes: Number(bytes) };
  });
  afterAll(() => {
    program?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the process as its MemStats see it, its binary from /proc/PID/exe, and leaves no file behind', () => {
    const r = run(['info', '--pid', String(program.pid), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^goheapflame: dumped process ${program.pid} with gcore in \\d+\\.\\d s \\(the process was stopped for that long\\)\\n$`));
    const info = JSON.parse(r.stdout) as { core: string; binary: string; goVersion: string; buildId: { matches: boolean }; heap: { reachableObjects: number; reachableBytes: number } };
    expect(info.core).toBe(`process ${program.pid}`);
    expect(info.binary).toBe(`/proc/${program.pid}/exe`);
    expect(info.buildId.matches).toBe(true);
    expect(Math.abs(info.heap.reachableObjects - truth.objects) / truth.objects).toBeLessThan(0.005);
    expect(Math.abs(info.heap.reachableBytes - truth.bytes) / truth.bytes).toBeLessThan(0.005);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('draws the flame graph of the process, and keeps the core where --keep-core says', () => {
    const kept = join(dir, 'kept', 'leaky.core');
    mkdirSync(dirname(kept));
    const svg = join(dir, 'ref.svg');
    const r = run(['--pid', String(program.pid), '-o', svg, '--keep-core', kept]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`; the core is ${kept}`);
    expect(readFileSync(svg, 'utf8')).toContain('leaky.bin · go1.26.8');
    // The kept core reads as any core, with the binary.
    const top = run(['top', kept, join(repo, 'samples/leaky.bin'), '-n', '3', '--json']);
    expect(top.code, top.stderr).toBe(0);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('says in one sentence why it cannot dump or read a process', () => {
    const sleeper = spawn('sleep', ['60']);
    try {
      const cases: Array<[string[], NodeJS.ProcessEnv, number, RegExp]> = [
        [['top', '--pid', String(sleeper.pid)], {}, ExitCode.notGo, /is not a Go program/],
        [['top', '--pid', '999999999'], {}, ExitCode.cannotDump, /^goheapflame: No process 999999999 is running; check the PID/],
        // No gdb on the PATH (node itself is run by its full path).
        [['goroutines', '--pid', String(program.pid)], { PATH: join(dir, 'empty') }, ExitCode.missingTool, /^goheapflame: gcore \(part of gdb\) is not installed/],
        [['info', '--keep-core', 'x', 'a', 'b'], {}, ExitCode.usage, /^goheapflame: --keep-core goes with --pid\. Run with --help for usage\.\n$/],
        [['info', '--pid', '1', 'a', 'b'], {}, ExitCode.usage, /^goheapflame: With --pid, give at most one file, the binary/],
      ];
      for (const [args, env, code, message] of cases) {
        const r = run(args, env);
        expect({ args, code: r.code }).toEqual({ args, code });
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trim().split('\n').filter((l) => !l.includes('dumped process'))).toHaveLength(1);
      }
      expect(existsSync(scratch) && readdirSync(scratch)).toEqual([]);
    } finally {
      sleeper.kill();
    }
  });
});
