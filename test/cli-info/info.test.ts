/**
 * `goheapflame info` on the fixture cores against the programs' own truth, and both `info` and
 * `goroutines` on bad input: each gets its exit code and one sentence on stderr, never a stack trace.
 * Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoroutineJson } from '../../src/cli/commands/goroutines.js';
import type { InfoReport } from '../../src/cli/commands/info.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { parseTraceback } from '../goroutines/go-traceback.js';
import { type FixtureCore, allCombos, fixtureCore } from '../support/fixtures.js';
import { runCli, runCliJson } from '../support/run-cli.js';

const programs = ['goroutines', 'planted'] as const;

describe.each(programs)('info --json on the %s fixture', (program) => {
  describe.each(allCombos)('Go $go, $dump', ({ go, dump }) => {
    let fixture: FixtureCore;
    let info: InfoReport;

    beforeAll(async () => {
      fixture = await fixtureCore(program, go, dump);
      info = runCliJson<InfoReport>(['info', '--json', fixture.core, fixture.binary]);
    });

    it("reports the program's runtime.Version() and the binary it was given", () => {
      expect(info.goVersion).toBe(fixture.truth.goVersion);
      expect(info.buildId.matches).toBe(true);
      expect(info).toMatchObject({ stripped: false, dwarf: true, symbols: true, pie: false, static: true });
      expect(info.threads).toBeGreaterThan(1);
      expect(info.memory.fromCore).toBeGreaterThan(fixture.truth.memstats.HeapInuse);
      expect(info.memory.missing).toBe(0);
      if (dump === 'crash') expect(info.signal).toBe('SIGABRT');
    });

    it('counts the goroutines runtime.Stack(all) showed, by state', () => {
      const oracle = parseTraceback(readFileSync(join(fixture.truthDir, 'stacks.txt'), 'utf8'));
      // States at dump time. The goroutine that took the oracle prints the "ready" that starts the
      // dump, then sleeps: the dump finds it in time.Sleep or still in that write (a syscall).
      const caller = runCliJson<GoroutineJson[]>(['goroutines', '--json', fixture.core, fixture.binary]).find((g) => g.id === fixture.truth.stackCaller.goid)!;
      const callerState = caller.waitReason ?? caller.status;
      expect(['sleep', 'syscall']).toContain(callerState);
      const expected: Record<string, number> = {};
      for (const o of oracle) {
        const state = o.id === caller.id ? callerState : (fixture.truth.goroutines.find((g) => g.goid === o.id)?.dumpState ?? o.state);
        expected[state] = (expected[state] ?? 0) + 1;
      }
      const counts = { ...info.goroutines!.userByState };
      if (dump === 'crash' && program === 'goroutines') {
        // The crash handler stops the world to print every stack, which may preempt the spinning loop.
        counts.running = (counts.running ?? 0) + (counts.runnable ?? 0);
        delete counts.runnable;
      }
      expect(info.goroutines!.user).toBe(oracle.length);
      expect(counts).toEqual(expected);
      expect(info.goroutines!.system).toBeGreaterThan(0);
      expect(info.goroutines!.total).toBe(info.goroutines!.user + info.goroutines!.system);
    });

    it('says the same as text', () => {
      const r = runCli(['info', fixture.core, fixture.binary]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Go          ${fixture.truth.goVersion}\n`);
      expect(r.stdout).toContain('(matches the core)');
      expect(r.stdout).toMatch(new RegExp(`goroutines  ${info.goroutines!.total} \\(${info.goroutines!.user} user, ${info.goroutines!.system} runtime\\)`));
    });
  });
});

describe('bad input', () => {
  let fixture: FixtureCore;
  let other: FixtureCore;
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    fixture = await fixtureCore('goroutines', '1.26', 'crash');
    other = await fixtureCore('planted', '1.26', 'crash');
    dir = mkdtempSync(join(tmpdir(), 'goheapflame-cli-info-'));
    writeFileSync(file('empty'), '');
    writeFileSync(file('notes.txt'), 'not a core\n');
    // The same build with a version string from before goheapflame's range: the build ID still matches.
    const release = Buffer.from(fixture.truth.goVersion);
    const old = Buffer.from(fixture.truth.goVersion.replace(/^go1\.\d+/, 'go1.19'));
    expect(old.length).toBe(release.length);
    const binary = readFileSync(fixture.binary);
    for (let at = binary.indexOf(release); at >= 0; at = binary.indexOf(release, at + 1)) old.copy(binary, at);
    writeFileSync(file('go119'), binary);
    chmodSync(file('go119'), 0o755);
    copyFileSync(fixture.core, file('truncated-core'));
    truncateSync(file('truncated-core'), Math.floor(statSync(fixture.core).size / 2));
    // The production case: the very binary that ran, stripped after the build (its Go build ID is unchanged).
    execFileSync('strip', ['-o', file('stripped'), fixture.binary]);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One sentence on stderr, nothing on stdout, no stack trace, the given exit code. */
  function expectUserError(args: string[], code: number, message: RegExp): void {
    const r = runCli(args);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(r.stderr).toMatch(/^goheapflame: [^\n]+\n$/);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
  }

  const cases: Array<{ what: string; args: () => string[]; code: number; message: RegExp }> = [
    { what: 'a core that does not exist', args: () => ['/nonexistent/core', fixture.binary], code: ExitCode.unreadableInput, message: /no such file/ },
    { what: 'a directory for the core', args: () => [dir, fixture.binary], code: ExitCode.unreadableInput, message: /is a directory/ },
    { what: 'an empty file for the core', args: () => [file('empty'), fixture.binary], code: ExitCode.notElf, message: /not an ELF file/ },
    { what: 'a text file for the core', args: () => [file('notes.txt'), fixture.binary], code: ExitCode.notElf, message: /not an ELF file/ },
    { what: 'the binary and the core swapped', args: () => [fixture.binary, fixture.core], code: ExitCode.notACore, message: /give the core first/ },
    { what: 'a core for the binary', args: () => [fixture.core, other.core], code: ExitCode.usage, message: /is a core dump, not an executable/ },
    { what: 'another program', args: () => [fixture.core, other.binary], code: ExitCode.binaryMismatch, message: /not the binary that produced this core.*--force/ },
    { what: 'a binary that is not Go', args: () => [fixture.core, '/bin/true'], code: ExitCode.notGo, message: /not a Go program/ },
    { what: 'a Go release goheapflame does not read', args: () => [fixture.core, file('go119')], code: ExitCode.unsupported, message: /built with go1\.19\.\d+; goheapflame reads Go 1\.20 to 1\.27/ },
    { what: 'a truncated core', args: () => [file('truncated-core'), fixture.binary], code: ExitCode.truncatedCore, message: /truncated: \d+ bytes are missing.*--force/ },
    { what: 'a missing binary argument', args: () => [fixture.core], code: ExitCode.usage, message: /Give a core and its binary, or --pid PID/ },
  ];

  describe.each(['info', 'goroutines'])('%s', (command) => {
    it.each(cases)('refuses $what', ({ args, code, message }) => expectUserError([command, ...args()], code, message));
  });

  it('describes a core read with the stripped binary: the same goroutines, and what stripping costs', () => {
    const info = runCliJson<InfoReport>(['info', '--json', fixture.core, file('stripped')]);
    const full = runCliJson<InfoReport>(['info', '--json', fixture.core, fixture.binary]);
    expect(info).toMatchObject({ goVersion: fixture.truth.goVersion, stripped: true, dwarf: false, symbols: false });
    expect(info.buildId.matches).toBe(true);
    expect(info.goroutines).toEqual(full.goroutines);
    expect(info.strippedCosts.join('\n')).toMatch(/global variable names unavailable/);
    expect(full.strippedCosts).toEqual([]);
  });

  it('lists the same goroutines with the stripped binary', () => {
    const stripped = runCliJson<Array<{ id: number; frames: unknown[] }>>(['goroutines', '--json', fixture.core, file('stripped')]);
    const full = runCliJson<Array<{ id: number; frames: unknown[] }>>(['goroutines', '--json', fixture.core, fixture.binary]);
    expect(stripped).toEqual(full);
  });

  it('reads a truncated core with --force, warning about the missing bytes', () => {
    const r = runCli(['goroutines', '--force', file('truncated-core'), fixture.binary]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^goheapflame: warning: .*truncated: \d+ bytes are missing/);
    expect(parseTraceback(r.stdout).length).toBeGreaterThan(1);
  });
});
