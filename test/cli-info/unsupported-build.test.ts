import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { cleanEnv, fixtureBinary, run } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';

describe('a program built with a Go release older than 1.20', () => {
  const dir = mkdtempSync(join(tmpdir(), 'goheapflame-go119-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused in one sentence that names the release and the releases read, with the exit code of an unsupported build', async () => {
    writeFileSync(join(dir, 'go.mod'), 'module old\n\ngo 1.19\n');
    writeFileSync(join(dir, 'main.go'), 'package main\n\nvar kept = make([]*int, 100)\n\nfunc main() { println(len(kept)) }\n');
    // Go 1.19 run as a toolchain module cannot build the package `.` ("import of unknown directory"); a file list it can.
    await run('go', ['build', '-o', 'old', 'main.go'], { cwd: dir, env: cleanEnv({ GOTOOLCHAIN: 'go1.19.13' }), timeoutMs: 15 * 60_000 });
    // Any core will do: --force lets the binary pass the build-ID check, and the version check comes first.
    const r = runCli(['info', 'samples/leaky.core', join(dir, 'old'), '--force']);
    expect(r.code).toBe(ExitCode.unsupported);
    expect(r.stderr).toBe(
      'goheapflame: the binary was built with go1.19.13; goheapflame reads Go 1.20 to 1.27 programs, so rebuild it with a Go release in that range ' +
        'or use a goheapflame release that knows 1.19.\n',
    );
  }, 900_000);
});

/**
 * A Go 1.22 build with GOEXPERIMENT=noallocheaders keeps the heap's pointer bits in per-arena
 * bitmaps, as 1.20 and 1.21 do: read as allocation headers it would give wrong sizes and types, so
 * it is refused by name before anything is read from the heap.
 */
describe('a build without allocation headers', () => {
  it('is refused in one sentence that names the experiment, with the exit code of an unsupported build', async () => {
    const { binary } = await fixtureBinary('goroutines', '1.22-noallocheaders');
    // Any core will do: --force lets the binary pass the build-ID check, and the version check comes first.
    const r = runCli(['info', 'samples/leaky.core', binary, '--force']);
    expect(r.code).toBe(ExitCode.unsupported);
    expect(r.stderr).toMatch(/^goheapflame: the binary was built with GOEXPERIMENT=noallocheaders \(go1\.22\.12 X:noallocheaders\), .*; rebuild it without that experiment\.\n$/);
  }, 600_000);
});
