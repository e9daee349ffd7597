/**
 * Runtime globals found without symbols (from runtime code, validated against the core) are the
 * addresses the symbol table of the unstripped binary gives, for every fixture core; the .bss scan
 * finds the same ones when the runtime code is not there to help, or refuses to choose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoProcess } from '../../src/goruntime/process/go-process.js';
import type { PcLnTab } from '../../src/goruntime/binary/pclntab.js';
import { findGlobalsInCode } from '../../src/goruntime/process/globals-from-code.js';
import { allCombos, fixtureCore, type FixtureCore } from '../support/fixtures.js';
import { removeStrippedCopies, strippedCopy } from './support.js';

const programs = ['planted', 'goroutines'] as const;

describe.each(programs.flatMap((program) => allCombos.map((c) => ({ program, ...c }))))('$program, Go $go, $dump core', ({ program, go, dump }) => {
  let fixture: FixtureCore;
  let full: GoProcess;
  let stripped: GoProcess;

  beforeAll(async () => {
    fixture = await fixtureCore(program, go, dump);
    full = GoProcess.open(fixture.core, fixture.binary);
    stripped = GoProcess.open(fixture.core, strippedCopy(fixture.binary));
  });
  afterAll(() => {
    full?.close();
    stripped?.close();
    removeStrippedCopies();
  });

  it('finds every runtime global from runtime code at the address the symbol table gives', () => {
    expect(stripped.stripped).toBe(true);
    expect(Object.keys(full.globals).sort()).toEqual(['allfin', 'allgs', 'allm', 'allp', 'fingStatus', 'gcCleanups', 'mheap']);
    expect(stripped.globals).toEqual(full.globals);
    expect(stripped.found.missing).toEqual({});
    expect(new Set(Object.values(stripped.found.foundBy))).toEqual(new Set(['runtime code']));
  });

  it('finds the heap and goroutine lists by scanning .bss when the runtime code is not there, and never a wrong address', () => {
    const noCode: PcLnTab = Object.create(stripped.binary.pclntab, { findFunc: { value: () => undefined } });
    const threads = new Set(stripped.image.threads.map((t) => t.pid));
    const found = findGlobalsInCode(stripped.image, noCode, stripped.binary.moduledata, stripped.layout, threads);
    for (const name of ['mheap', 'allgs'] as const) {
      expect(found.globals[name], name).toBe(full.globals[name]);
      expect(found.foundBy[name], name).toBe('.bss scan');
    }
    // Other words of .bss can hold the same M list (sched.midle, g0.m) or a copy of allp
    // (m0.allpSnapshot): then the scan refuses rather than guesses.
    for (const name of ['allm', 'allp'] as const) {
      if (found.globals[name] !== undefined) expect(found.globals[name], name).toBe(full.globals[name]);
      else expect(found.missing[name], name).toMatch(/^\d+ addresses \(.*\) hold .* and nothing tells them apart$/);
    }
    // The lists whose emptiness no rule can tell from any other zero word are not searched for.
    expect(Object.keys(found.missing).filter((n) => n !== 'allm' && n !== 'allp').sort()).toEqual(['allfin', 'fingStatus', 'gcCleanups']);
  });
});
