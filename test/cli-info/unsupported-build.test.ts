import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { fixtureBinary } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';

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
