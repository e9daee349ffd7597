/**
 * `goheapflame goroutines CORE BINARY` against runtime.Stack(all), which each fixture took just
 * before it was dumped (stacks.txt). runtime.Stack prints Go's default level: user goroutines only,
 * runtime frames and wrappers left out; the command lists everything, so the comparison applies
 * the same filter. Needs `npm run build`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GoroutineJson } from '../../src/cli/commands/goroutines.js';
import { runCli, runCliJson } from '../support/run-cli.js';
import { type DumpMethod, type FixtureBuild, type FixtureCore, type GoToolchain, allCombos, fixtureCore, goroutineReleaseCombos, releaseCombos } from '../support/fixtures.js';
import { type TracebackGoroutine, defaultLevelCreator, defaultLevelFrames, parseTraceback } from './go-traceback.js';

const programs = ['goroutines', 'planted'] as const;
const spinner = 'main.spin';

const place = (f: { function: string; file: string; line: number }) => `${f.function} ${f.file}:${f.line}`;
const headerState = (g: GoroutineJson) => g.waitReason ?? g.status;

/**
 * Both programs on Go 1.26 and 1.27; the goroutines one on 1.22 and 1.25 too; the planted one on
 * every other release and variant, and there the -s -w build's crash core besides, read with that
 * stripped binary.
 */
const coresOf = (program: (typeof programs)[number]): Array<{ go: GoToolchain; dump: DumpMethod; build: FixtureBuild }> => [
  ...allCombos.map((c) => ({ ...c, build: 'default' as const })),
  ...(program !== 'planted' ? goroutineReleaseCombos.map((c) => ({ ...c, build: 'default' as const })) : [
    ...releaseCombos.map((c) => ({ ...c, build: 'default' as const })),
    ...releaseCombos.filter((c) => c.dump === 'crash').map((c) => ({ ...c, build: 'stripped' as const })),
  ]),
];

describe.each(programs)('goroutines --json on the %s fixture', (program) => {
  describe.each(coresOf(program))('Go $go, $dump, $build build', ({ go, dump, build }) => {
    let fixture: FixtureCore;
    let goroutines: GoroutineJson[];
    let byId: Map<number, GoroutineJson>;
    let oracle: TracebackGoroutine[];
    /**
     * Goroutines whose stack changed between runtime.Stack and the dump, left out of the frame by
     * frame comparison and checked on their own below.
     */
    let moved: Map<number, string>;

    beforeAll(async () => {
      fixture = await fixtureCore(program, go, dump, build);
      goroutines = runCliJson<GoroutineJson[]>(['goroutines', '--json', fixture.core, fixture.binary]);
      byId = new Map(goroutines.map((g) => [g.id, g]));
      oracle = parseTraceback(readFileSync(join(fixture.truthDir, 'stacks.txt'), 'utf8'));
      moved = new Map([[fixture.truth.stackCaller.goid, 'it took the oracle: stacks.txt shows it inside runtime.Stack, the dump in time.Sleep or still writing "ready"']]);
      for (const g of fixture.truth.goroutines) {
        if (g.function === spinner) moved.set(g.goid, 'it runs a loop: runtime.Stack preempted it at one PC, the dump caught it at another');
      }
    });

    it('lists exactly the user goroutines runtime.Stack(all) listed, and the runtime ones besides', () => {
      expect(oracle.length).toBeGreaterThan(1);
      const user = goroutines.filter((g) => !g.system).map((g) => g.id);
      expect(user.sort((a, b) => a - b)).toEqual(oracle.map((g) => g.id).sort((a, b) => a - b));
      expect(goroutines.filter((g) => g.system).length).toBeGreaterThan(0);
      expect(new Set(goroutines.map((g) => g.id)).size).toBe(goroutines.length);
    });

    it('gives every goroutine that stayed parked the functions, files and lines of runtime.Stack(all), frame by frame', () => {
      let compared = 0;
      for (const o of oracle) {
        if (moved.has(o.id)) continue;
        const g = byId.get(o.id)!;
        expect(g.unwindError, `goroutine ${o.id}`).toBeUndefined();
        expect(defaultLevelFrames(g.frames).map(place), `goroutine ${o.id}`).toEqual(o.frames.map(place));
        expect(defaultLevelFrames(g.frames).map((f) => f.inlined), `goroutine ${o.id}`).toEqual(o.frames.map((f) => f.inlined));
        expect(headerState(g), `goroutine ${o.id}`).toBe(o.state);
        expect(g.lockedToThread, `goroutine ${o.id}`).toBe(o.lockedToThread);
        if (o.createdBy) expect(g.createdBy, `goroutine ${o.id}`).toEqual(o.createdBy);
        else if (g.createdBy) expect(defaultLevelCreator(g.createdBy.function), `goroutine ${o.id}`).toBe(false);
        compared++;
      }
      expect(compared).toBe(oracle.length - [...moved.keys()].filter((id) => oracle.some((o) => o.id === id)).length);
    });

    it('shows the goroutine that took the oracle where it is at dump time: writing "ready", or in time.Sleep from main.main', () => {
      // It prints the "ready" that starts the dump itself, so the dump may catch it still inside that write.
      const g = byId.get(fixture.truth.stackCaller.goid)!;
      const frames = defaultLevelFrames(g.frames).map((f) => f.function);
      if (g.status === 'syscall') {
        expect(frames.slice(-3)).toEqual(['goheapflame/fixtures/internal/truth.write', 'goheapflame/fixtures/internal/truth.(*Report).Finish', 'main.main']);
        expect(frames[0]).toBe('syscall.Syscall');
      } else {
        expect(frames).toEqual(['time.Sleep', 'main.main']);
        expect(g.waitReason).toBe('sleep');
      }
    });

    it('reads each planted goroutine in the state it had at dump time', () => {
      for (const planted of fixture.truth.goroutines) {
        const g = byId.get(planted.goid)!;
        if (planted.function === spinner && dump === 'crash') {
          // The crashing thread stops the world to print every stack, which preempts the loop.
          expect(['running', 'runnable']).toContain(headerState(g));
        } else {
          expect(headerState(g), planted.name).toBe(planted.dumpState);
        }
      }
    });

    it('prints the same goroutines and frames as text, in the layout of a Go traceback', () => {
      const r = runCli(['goroutines', fixture.core, fixture.binary]);
      expect(r.code).toBe(0);
      const text = parseTraceback(r.stdout);
      expect(text.map((g) => g.id)).toEqual(goroutines.map((g) => g.id));
      for (const [i, g] of goroutines.entries()) {
        expect(text[i].frames.map(place)).toEqual(g.frames.map(place));
        expect(text[i].state).toBe(headerState(g));
        expect(text[i].createdBy).toEqual(g.createdBy);
      }
    });
  });
});
