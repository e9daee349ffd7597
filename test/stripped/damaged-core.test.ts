/**
 * A stripped binary's globals are only believed when the core's memory proves them. A copy of a real
 * crash core with mheap_.allspans (or allgs) wiped must give a clear error naming what is missing,
 * through the API and the CLI, not a heap or goroutine list read from the wrong place.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { analyzeCore } from '../../src/analysis/analyze-core.js';
import { GoProcess } from '../../src/goruntime/process/go-process.js';
import { readGoroutines } from '../../src/goruntime/process/goroutines.js';
import { judge, mheapRule } from '../../src/goruntime/process/runtime-structures.js';
import { runCli } from '../support/run-cli.js';
import { fixtureCore, type FixtureCore } from '../support/fixtures.js';
import { removeStrippedCopies, strippedCopy } from './support.js';
import { coreFileOffset, patchedCopy } from '../support/patch-file.js';

/** A copy of `core` with `length` bytes at virtual address `addr` overwritten by zeros. */
function wipedCopy(core: string, out: string, addr: number, length: number): string {
  return patchedCopy(core, out, [{ offset: coreFileOffset(core, addr, length), bytes: Buffer.alloc(length) }]);
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('damaged core read with a stripped binary', () => {
  let fixture: FixtureCore;
  let dir: string;
  let stripped: string;
  let globals: { mheap: number; allgs: number; allspansOffset: number };

  beforeAll(async () => {
    fixture = await fixtureCore('planted', '1.26', 'crash');
    dir = mkdtempSync(join(tmpdir(), 'goheapflame-damaged-'));
    stripped = strippedCopy(fixture.binary);
    const full = GoProcess.open(fixture.core, fixture.binary);
    globals = { mheap: full.global('mheap'), allgs: full.global('allgs'), allspansOffset: full.layout.offset('runtime.mheap', 'allspans') };
    full.close();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    removeStrippedCopies();
  });

  it('refuses to read the heap when mheap_.allspans is wiped, naming runtime.mheap_', () => {
    const core = wipedCopy(fixture.core, join(dir, 'no-allspans'), globals.mheap + globals.allspansOffset, 24);
    const proc = GoProcess.open(core, stripped);
    try {
      expect(proc.globals.mheap).toBeUndefined();
      expect(proc.strippedCosts()).toContainEqual(expect.stringMatching(/^runtime\.mheap_ not found \(.*\): the heap cannot be read$/));
      // Goroutines do not need the heap: they still read.
      expect(readGoroutines(proc).length).toBeGreaterThan(3);
      const err = thrown(() => analyzeCore(proc));
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).kind).toBe('badInputData');
      expect((err as UserError).message).toMatch(
        /^cannot find runtime\.mheap_ in this core with the stripped binary .*: no address the runtime code uses holds a heap .*, nor does any word of \.bss; the core may be damaged or cut short; give the unstripped binary if you have it\.$/,
      );
      // The real mheap_ fails exactly where the core was wiped.
      const ctx = { mem: proc.image, layout: proc.layout, pclntab: proc.binary.pclntab, threadIds: new Set(proc.image.threads.map((t) => t.pid)) };
      expect(judge(mheapRule, ctx, globals.mheap)).toEqual({ verdict: 'no', why: 'allspans: its slice pointer is not a pointer' });
    } finally {
      proc.close();
    }

    const cli = runCli(['top', core, stripped]);
    expect(cli.code).toBe(ExitCode.badInputData);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/runtime\.mheap_/);
    expect(cli.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('refuses to list goroutines when the allgs slice is wiped, naming runtime.allgs', () => {
    const core = wipedCopy(fixture.core, join(dir, 'no-allgs'), globals.allgs, 24);
    const proc = GoProcess.open(core, stripped);
    try {
      expect(proc.globals.allgs).toBeUndefined();
      expect(proc.globals.mheap).toBe(globals.mheap);
      const err = thrown(() => readGoroutines(proc));
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toMatch(/^cannot find runtime\.allgs in this core with the stripped binary /);
    } finally {
      proc.close();
    }
  });
});
