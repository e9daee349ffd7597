/**
 * The growing fixture (test/fixtures/growing): one process dumped twice with gcore, before and after
 * it changed five structures, with the truth of both states and the MemStats delta of each change,
 * for testing `goheapflame diff`. Built and dumped once per test run and shared by every vitest
 * worker, as the fixtures of fixtures.ts are (same lock and complete.json, same run directory, same
 * cleanup):
 *   cores/<run>/growing-<go version>-<source hash>-gcore-twice/
 *     base/    core, truth.json, stacks.txt, quiescence.json, awake.json, stdout.log, stderr.log
 *     grown/   the same, after SIGUSR1 (stdout.log: only what was printed after the signal)
 *     growth.json, pid.json, stderr.log (base/ and grown/ hold hard links to it)
 */
import { spawn } from 'node:child_process';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type GoToolchain,
  type Truth,
  TIMED_OUT,
  binaryDirName,
  buildOnce,
  cleanEnv,
  exitOf,
  fixtureBinary,
  gcoreInto,
  maxDumpAttempts,
  once,
  runCoresDir,
  waitForReady,
  within,
} from './fixtures.js';

/** One line of growth.json: how HeapAlloc and HeapObjects changed while the program changed one root. */
export interface GrowthTruth {
  /** The global whose structure changed: main.cache, main.journal, main.steady, main.retired, main.pending. */
  root: string;
  heapAllocDelta: number;
  heapObjectsDelta: number;
}

export interface GrowingFixture {
  go: GoToolchain;
  /** The build the dumped process ran (default or stripped). */
  binary: string;
  strippedBinary: string;
  /**
   * The first dump (gcore), as planted. truth.quiescence covers more than in other fixtures: from
   * the measurement until the program woke up after the dump (awake.json), not only until it wrote
   * its last file, so it also sees what main's wait for SIGUSR1 allocated.
   */
  base: { core: string; truth: Truth };
  /** The second dump (gcore), after SIGUSR1 and the changes; truth.quiescence as in base. */
  grown: { core: string; truth: Truth };
  /** One entry per root, in the order the program changed them. */
  growth: GrowthTruth[];
  pid: number;
  /** The fixture's directory (see the layout above). */
  dir: string;
}

const PROGRAM = 'growing';
const STATES = ['base', 'grown'] as const;
type State = (typeof STATES)[number];
const STATE_FILES = ['core', 'truth.json', 'stacks.txt', 'quiescence.json', 'awake.json', 'stdout.log', 'stderr.log'];
const FILES = [...STATES.flatMap((state) => STATE_FILES.map((file) => `${state}/${file}`)), 'growth.json', 'pid.json', 'stderr.log'];
/** After the second SIGUSR1 the program only writes awake.json and exits. */
const exitTimeoutMs = 2 * 60_000;

/**
 * Builds (or reuses) the growing program with the toolchain, and dumps it twice (or reuses this run's
 * dumps). With `stripped`, the process that is dumped runs the stripped build, and `binary` is it.
 */
export function growingFixture(go: GoToolchain = '1.26', build: 'default' | 'stripped' = 'default'): Promise<GrowingFixture> {
  return once(`growing ${go} ${build}`, async () => {
    const built = await fixtureBinary(PROGRAM, go);
    const binary = build === 'stripped' ? built.strippedBinary : built.binary;
    const strippedBinary = built.strippedBinary;
    const dir = join(runCoresDir(), `${await binaryDirName(PROGRAM, go)}-gcore-twice${build === 'default' ? '' : `-${build}`}`);
    await buildOnce(dir, (out) => dumpTwiceQuiescent(binary, out));
    const { pid } = JSON.parse(readFileSync(join(dir, 'pid.json'), 'utf8')) as { pid: number };
    const growth = JSON.parse(readFileSync(join(dir, 'growth.json'), 'utf8')) as GrowthTruth[];
    return { go, binary, strippedBinary, base: readState(dir, 'base'), grown: readState(dir, 'grown'), growth, pid, dir };
  });
}

function readState(dir: string, state: State): { core: string; truth: Truth } {
  const stateDir = join(dir, state);
  const truth = JSON.parse(readFileSync(join(stateDir, 'truth.json'), 'utf8')) as Omit<Truth, 'quiescence'>;
  // The counters only grow, so awake.json's interval holds quiescence.json's: zero here is zero there.
  const awake = JSON.parse(readFileSync(join(stateDir, 'awake.json'), 'utf8')) as { Mallocs: number; Frees: number; NumGC: number };
  const quiescence = {
    mallocs: awake.Mallocs - truth.memstats.Mallocs,
    frees: awake.Frees - truth.memstats.Frees,
    numGC: awake.NumGC - truth.memstats.NumGC,
  };
  return { core: join(stateDir, 'core'), truth: { ...truth, quiescence } };
}

/**
 * Runs and dumps the program until both states were quiescent (at most maxDumpAttempts times, as
 * fixtures.ts's dumpQuiescent does for one dump); the last attempt is kept as it is.
 */
async function dumpTwiceQuiescent(binary: string, dir: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    await dumpTwice(binary, dir);
    const quiet = STATES.every((state) => {
      const { mallocs, frees, numGC } = readState(dir, state).truth.quiescence;
      return mallocs === 0 && frees === 0 && numGC === 0;
    });
    if (quiet || attempt === maxDumpAttempts) return FILES;
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

async function dumpTwice(binary: string, dir: string): Promise<void> {
  const stderrLog = join(dir, 'stderr.log');
  const stderr = openSync(stderrLog, 'w');
  for (const state of STATES) {
    mkdirSync(join(dir, state));
    // waitForReady shows the stderr.log of the directory it is given when the program fails.
    linkSync(stderrLog, join(dir, state, 'stderr.log'));
  }
  const child = spawn(binary, [dir], { cwd: dir, env: cleanEnv({}), stdio: ['ignore', 'pipe', stderr] });
  closeSync(stderr);
  const exited = exitOf(child);
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${binary}`);
    writeFileSync(join(dir, 'pid.json'), JSON.stringify({ pid }));
    await waitForReady(child, exited, PROGRAM, join(dir, 'base'));
    await gcoreInto(pid, join(dir, 'base'));
    // This waitForReady listens from the signal on: the base state's "ready" is not in what it reads.
    await Promise.all([waitForReady(child, exited, PROGRAM, join(dir, 'grown')), Promise.resolve().then(() => process.kill(pid, 'SIGUSR1'))]);
    await gcoreInto(pid, join(dir, 'grown'));
    process.kill(pid, 'SIGUSR1'); // it writes grown/awake.json and exits
    const end = await within(exited, exitTimeoutMs);
    if (end === TIMED_OUT) throw new Error(`${PROGRAM} did not exit within ${exitTimeoutMs / 1000} s of its second SIGUSR1; see ${stderrLog}`);
    if (end.code !== 0) throw new Error(`${PROGRAM} ended with ${end.signal ?? `exit code ${end.code}`} after its second SIGUSR1; see ${stderrLog}`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}
