/**
 * readGoroutines and the thread stacks: frames against the GOTRACEBACK=crash dump on stderr (every
 * goroutine and every thread, with sp, fp and pc), live pointer slots against the objects the
 * fixtures plant in local variables, and the running goroutine of a gcore. The comparison with
 * runtime.Stack(all) goes through the CLI (goroutines-cli.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoProcess } from '../../src/goruntime/process/go-process.js';
import { type Frame, type Goroutine, readGoroutines } from '../../src/goruntime/process/goroutines.js';
import { readThreadStacks } from '../../src/goruntime/process/threads.js';
import { type FixtureCore, allCombos, fixtureCore, goroutineReleaseCombos, releaseCombos } from '../support/fixtures.js';
import { type TracebackGoroutine, defaultLevelFrames, parseTraceback } from './go-traceback.js';

const programs = ['goroutines', 'planted'] as const;

/** The goroutine of the goroutines fixture that spins on a thread. */
const spinner = 'main.spin';

const place = (f: { function: string; file: string; line: number }) => `${f.function} ${f.file}:${f.line}`;
const physical = (frames: Frame[]) => frames.filter((f) => !f.inlined);

/** The state Go's traceback header shows: the wait reason of a waiting goroutine, else its status. */
const headerState = (g: Goroutine) => g.waitReason ?? g.status;

describe.each(programs)('goroutines of the %s fixture', (program) => {
  // Both programs on Go 1.26 and 1.27; the planted one on every other release and variant too, the
  // goroutines one on 1.22 and 1.25.
  describe.each([...allCombos, ...(program === 'planted' ? releaseCombos : goroutineReleaseCombos)])('Go $go, $dump', ({ go, dump }) => {
    let fixture: FixtureCore;
    let proc: GoProcess;
    let goroutines: Goroutine[];
    let byId: Map<number, Goroutine>;

    beforeAll(async () => {
      fixture = await fixtureCore(program, go, dump);
      proc = GoProcess.open(fixture.core, fixture.binary);
      goroutines = readGoroutines(proc);
      byId = new Map(goroutines.map((g) => [g.id, g]));
    });
    afterAll(() => proc?.close());

    it('gives frames that tile the goroutine stack from sp to its top', () => {
      for (const g of goroutines) {
        const frames = physical(g.frames);
        if (g.thread || frames.length === 0) continue; // a running goroutine may start on its thread's system stack
        for (const [i, f] of frames.entries()) {
          expect(f.sp, `goroutine ${g.id} frame ${i}`).toBeGreaterThanOrEqual(g.stackLo);
          expect(f.fp, `goroutine ${g.id} frame ${i}`).toBeLessThanOrEqual(g.stackHi);
          if (i > 0) expect(f.sp, `goroutine ${g.id} frame ${i}`).toBe(frames[i - 1].fp);
          for (const slot of [...f.livePointerSlots, ...f.stackObjects.flatMap((o) => o.pointerSlots)]) {
            expect(slot >= f.sp && slot < g.stackHi && slot % 8 === 0, `goroutine ${g.id} ${f.function} slot 0x${slot.toString(16)}`).toBe(true);
          }
        }
        expect(frames.at(-1)!.function, `goroutine ${g.id}`).toBe('runtime.goexit');
      }
    });

    /**
     * Objects a goroutine's local variable points at directly: the first object planted under each
     * such root (worker.buf is reached through the receiver, worker.worker). The closure goroutine's
     * slice is held by its closure context on the heap, not by a stack slot.
     */
    const heldByLocals = () => {
      const seen = new Set<string>();
      return fixture.truth.planted.filter((p) => {
        if (!((p.root.kind === 'local' && p.name !== 'closure.captured') || p.root.kind === 'runningFinalizer')) return false;
        const key = JSON.stringify(p.root);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    };

    it('lists, among the live pointer slots of the holding frame, the slot that points at each object a local variable holds', () => {
      const checked = heldByLocals();
      expect(checked.length).toBeGreaterThan(0);
      for (const p of checked) {
        const g = byId.get(p.root.goid!)!;
        // runningFinalizer: the finalizer closure holds its argument; it is the innermost user frame.
        const holder = p.root.function ?? defaultLevelFrames(g.frames)[0].function;
        const frames = g.frames.filter((f) => f.function === holder && !f.inlined);
        // main.recurse: the parcel is the deepest (innermost) call's.
        const frame = frames[0];
        expect(frame, `${p.name}: no frame of ${holder} on goroutine ${g.id}`).toBeDefined();
        expect(frame.conservative).toBe(false);
        const values = frame.livePointerSlots.map((slot) => proc.image.readPtr(slot));
        expect(values, `${p.name} in ${holder}`).toContain(p.sampleAddress);
      }
    });
  });
});

describe.each(allCombos)('the spinning goroutine in the Go $go $dump core of the goroutines fixture', ({ go, dump }) => {
  let fixture: FixtureCore;
  let byId: Map<number, Goroutine>;

  beforeAll(async () => {
    fixture = await fixtureCore('goroutines', go, dump);
    const proc = GoProcess.open(fixture.core, fixture.binary);
    byId = new Map(readGoroutines(proc).map((g) => [g.id, g]));
    proc.close();
  });

  it('unwinds the spinning goroutine from where it was stopped, its innermost frame conservative', () => {
    const planted = fixture.truth.goroutines.find((g) => g.function === spinner)!;
    const g = byId.get(planted.goid)!;
    expect(g.unwindError).toBeUndefined();
    // Stopped at an arbitrary PC of the loop: the line is whatever that PC maps to, so compare functions.
    expect(defaultLevelFrames(g.frames).map((f) => f.function)).toEqual([spinner]);
    const spin = g.frames.find((f) => f.function === spinner)!;
    expect(spin.conservative).toBe(true);
    expect(spin.file).toMatch(/goroutines\/main\.go$/);
    expect(g.frames.at(-1)!.function).toBe('runtime.goexit');
    // Running, it was stopped in its loop, where the thread's PC is its innermost frame's; or, on a
    // busy machine, just as the runtime preempted it: then its innermost frame is asyncPreempt, and
    // the thread is still in the signal handler.
    if (headerState(g) === 'running' && g.frames[0]!.function !== 'runtime.asyncPreempt') expect(g.thread?.registers.rip).toBe(g.frames[0]!.pc);
  });
});

describe.each(allCombos)('stack objects in the Go $go $dump core of the goroutines fixture', ({ go, dump }) => {
  it("gives main.waitSelect's select cases as a stack object whose pointer slots hold the two channels", async () => {
    const fixture = await fixtureCore('goroutines', go, dump);
    const proc = GoProcess.open(fixture.core, fixture.binary);
    try {
      const goid = fixture.truth.goroutines.find((g) => g.function === 'main.waitSelect')!.goid;
      const g = readGoroutines(proc).find((x) => x.id === goid)!;
      const frame = g.frames.find((f) => f.function === 'main.waitSelect' && !f.inlined)!;
      const channel = (name: string) => proc.image.readPtr(proc.image.exe.symbol(name)!.value + proc.image.loadBias);
      const held = frame.stackObjects.flatMap((o) => o.pointerSlots.map((slot) => proc.image.readPtr(slot)));
      expect(held).toEqual(expect.arrayContaining([channel('main.selectA'), channel('main.selectB')]));
      for (const o of frame.stackObjects) {
        expect(o.address).toBeGreaterThanOrEqual(frame.sp);
        expect(o.address + o.size).toBeLessThanOrEqual(frame.fp);
      }
    } finally {
      proc.close();
    }
  });
});

describe.each(allCombos.filter((c) => c.dump === 'crash'))('Go $go crash core against the crash dump on stderr', ({ go }) => {
  let proc: GoProcess;
  let printed: TracebackGoroutine[];
  let fixture: FixtureCore;

  beforeAll(async () => {
    fixture = await fixtureCore('goroutines', go, 'crash');
    proc = GoProcess.open(fixture.core, fixture.binary);
    printed = parseTraceback(readFileSync(join(fixture.truthDir, 'stderr.log'), 'utf8'));
  });
  afterAll(() => proc?.close());

  const exact = (frames: Array<{ function: string; file: string; line: number; inlined: boolean; pc?: number; sp?: number; fp?: number }>) =>
    frames.map((f) => (f.inlined ? place(f) : `${place(f)} pc=${f.pc} sp=${f.sp} fp=${f.fp}`));

  it('unwinds every goroutine, runtime ones included, to the frames the crash printed, with the same pc, sp and fp', () => {
    const goroutines = readGoroutines(proc);
    // Each M's SIGQUIT section prints its current goroutine again: keep the first print of each.
    const crashed = printed.filter((g, i) => g.id !== 0 && printed.findIndex((x) => x.id === g.id) === i);
    expect(crashed.map((g) => g.id).sort((a, b) => a - b)).toEqual(goroutines.map((g) => g.id).sort((a, b) => a - b));
    for (const o of crashed) {
      const g = goroutines.find((x) => x.id === o.id)!;
      expect(exact(g.frames), `goroutine ${o.id}`).toEqual(exact(o.frames));
      expect(headerState(g), `goroutine ${o.id}`).toBe(o.state);
    }
  });

  it('unwinds each idle thread through the signal handler to the system stack the crash printed', () => {
    const threads = readThreadStacks(proc);
    const idle = printed.filter((g) => g.id === 0 && g.m !== undefined);
    expect(idle.length).toBeGreaterThan(1);
    for (const o of idle) {
      const t = threads.find((x) => x.m?.id === o.m);
      expect(t, `m${o.m}`).toBeDefined();
      expect(t!.unwindError, `m${o.m}`).toBeUndefined();
      expect(exact(t!.frames), `m${o.m}`).toEqual(exact(o.frames));
      expect(t!.frames[0].conservative, `m${o.m}`).toBe(true);
    }
  });
});
