/**
 * The Go fixture programs of test/fixtures, built with two Go toolchains and dumped two ways, once
 * per test run and shared by every suite and every vitest worker.
 *
 * Under <repo>/.fixtures/ (gitignored):
 *   bin/<program>-<go version>-<source hash>/    <program>, <program>-stripped, <program>-pie
 *   cores/<run>/<program>-<go version>-<source hash>-<dump>/
 *                                 core, truth.json, stacks.txt, quiescence.json, stdout.log, stderr.log
 * A directory counts once its complete.json exists. Whoever creates `<dir>.lock` first (mkdir is
 * atomic) builds it while every other worker waits, so nothing is built twice at once. Binaries are
 * named by their sources and kept across runs. Cores belong to the run that global-setup.ts names
 * in GOHEAPFLAME_FIXTURE_RUN and are deleted when it ends; with GOHEAPFLAME_KEEP_FIXTURES=1 they go
 * to cores/kept/ instead, stay, and later runs reuse them.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** A Go release, or a release built with a GOEXPERIMENT that changes the heap or the runtime's structs. */
export type GoToolchain =
  | '1.20' | '1.21' | '1.22' | '1.22-noallocheaders' | '1.23' | '1.24' | '1.24-noswissmap' | '1.25' | '1.25-greenteagc' | '1.25-noswissmap' | '1.26' | '1.26-nogreenteagc' | '1.27';

/** How each GoToolchain builds: GOTOOLCHAIN (local is the machine's Go 1.26) and GOEXPERIMENT. */
const toolchains: Record<GoToolchain, { toolchain: string; experiment?: string }> = {
  /** The heap before allocation headers: a pointer bitmap per arena. */
  '1.20': { toolchain: 'go1.20.14' },
  '1.21': { toolchain: 'go1.21.13' },
  '1.22': { toolchain: 'go1.22.12' },
  /** Not read (refused): the heap without allocation headers. */
  '1.22-noallocheaders': { toolchain: 'go1.22.12', experiment: 'noallocheaders' },
  '1.23': { toolchain: 'go1.23.12' },
  '1.24': { toolchain: 'go1.24.13' },
  '1.24-noswissmap': { toolchain: 'go1.24.13', experiment: 'noswissmap' },
  '1.25': { toolchain: 'go1.25.5' },
  '1.25-greenteagc': { toolchain: 'go1.25.5', experiment: 'greenteagc' },
  '1.25-noswissmap': { toolchain: 'go1.25.5', experiment: 'noswissmap' },
  '1.26': { toolchain: 'local' },
  '1.26-nogreenteagc': { toolchain: 'local', experiment: 'nogreenteagc' },
  '1.27': { toolchain: 'go1.27.3' },
};
export type DumpMethod = 'gcore' | 'crash';

export interface FixtureBinary {
  program: string;
  go: GoToolchain;
  /** Default `go build`, with DWARF and symbols (in a FixtureCore: the build whose process was dumped). */
  binary: string;
  /** The same build with `-ldflags=-s -w`: no .symtab, no DWARF. */
  strippedBinary: string;
  /** The same build with `-buildmode=pie`. */
  pieBinary?: string;
}

export interface FixtureCore extends FixtureBinary {
  dump: DumpMethod;
  core: string;
  truth: Truth;
  /** Holds truth.json, stacks.txt (runtime.Stack of all goroutines), quiescence.json, stderr.log. */
  truthDir: string;
  pid: number;
}

/** What keeps planted objects alive (see test/fixtures/internal/truth/truth.go). */
export interface TruthRoot {
  kind: 'global' | 'local' | 'finalizer' | 'cleanup' | 'finalizerQueue' | 'runningFinalizer' | 'defer';
  /** global: the variable's symbol; finalizer, cleanup: the global holding the object they are set on. */
  name?: string;
  /** local: the function whose frame holds the variable, on goroutine goid. */
  function?: string;
  variable?: string;
  goid?: number;
}

/** `count` heap objects of one kind, each an array of `elements` values of `type`. */
export interface PlantedObjects {
  structure: string;
  name: string;
  type: string;
  elements: number;
  pointers: boolean;
  count: number;
  /** Bytes asked of the allocator per object. */
  size: number;
  /** The object's slot in its span: size class or whole pages, including any malloc header. */
  allocSize: number;
  /** Pointer-holding objects of 513 B to 32 KiB - 8 carry an 8-byte type header before their data. */
  mallocHeader: boolean;
  /** count * allocSize. */
  bytes: number;
  heldBy: string;
  root: TruthRoot;
  /** The address of one of these objects (of its data, after any malloc header). */
  sampleAddress: number;
}

export interface PlantedGoroutine {
  name: string;
  /** Entry function as the runtime names it, e.g. main.waitRecv. */
  function: string;
  goid: number;
  /** State in stacks.txt, e.g. "chan receive", without ", N minutes" or ", locked to thread". */
  stackState: string;
  /** State while waiting to be dumped; differs only for the goroutine spinning on a thread. */
  dumpState: string;
  note?: string;
}

export interface Truth {
  program: string;
  /** runtime.Version(), e.g. go1.26.8. */
  goVersion: string;
  goos: string;
  goarch: string;
  pid: number;
  /** runtime.MemStats after runtime.GC() twice: HeapObjects, HeapAlloc, HeapInuse, NumGC, … */
  memstats: Record<
    | 'HeapObjects' | 'HeapAlloc' | 'HeapInuse' | 'HeapIdle' | 'HeapSys' | 'HeapReleased' | 'Mallocs' | 'Frees'
    | 'TotalAlloc' | 'Sys' | 'StackInuse' | 'StackSys' | 'MSpanInuse' | 'MCacheInuse' | 'GCSys' | 'OtherSys'
    | 'NextGC' | 'NumGC' | 'NumForcedGC',
    number
  >;
  planted: PlantedObjects[];
  goroutines: PlantedGoroutine[];
  /** The goroutine that called runtime.Stack: its frames in stacks.txt differ from those at dump time. */
  stackCaller: { goid: number; function: string; frames: string; atDump: string };
  /** Changes between reading the MemStats and writing the last file: zero when the process is quiescent. */
  quiescence: { mallocs: number; frees: number; numGC: number };
}

export const allCombos: Array<{ go: GoToolchain; dump: DumpMethod }> = [
  { go: '1.26', dump: 'gcore' },
  { go: '1.26', dump: 'crash' },
  { go: '1.27', dump: 'gcore' },
  { go: '1.27', dump: 'crash' },
];

/**
 * The other releases and variants, each dumped one way (crash cores are small and quick; 1.22 and
 * 1.25, before and after the gobuf change, with gcore too), so that the suite stays within its time
 * budget.
 */
export const releaseCombos: Array<{ go: GoToolchain; dump: DumpMethod }> = [
  { go: '1.20', dump: 'crash' },
  { go: '1.20', dump: 'gcore' },
  { go: '1.21', dump: 'crash' },
  { go: '1.22', dump: 'crash' },
  { go: '1.22', dump: 'gcore' },
  { go: '1.23', dump: 'crash' },
  { go: '1.24', dump: 'crash' },
  { go: '1.24-noswissmap', dump: 'crash' },
  { go: '1.25', dump: 'crash' },
  { go: '1.25', dump: 'gcore' },
  { go: '1.25-greenteagc', dump: 'crash' },
  { go: '1.26-nogreenteagc', dump: 'crash' },
];

/**
 * The releases whose goroutines fixture (a goroutine running on a thread, locked threads, syscalls)
 * is dumped too: 1.20, 1.21, 1.22 and 1.25, whose g, m and gobuf differ from each other and from 1.26's.
 */
export const goroutineReleaseCombos = releaseCombos.filter((c) => ['1.20', '1.21', '1.22', '1.25'].includes(c.go));

/** Every release and variant goheapflame reads, for the suites that check exactness on each. */
export const everyRelease = [...allCombos, ...releaseCombos];

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const sourceRoot = join(repoRoot, 'test', 'fixtures');
const fixturesRoot = join(repoRoot, '.fixtures');
export const RUN_ENV = 'GOHEAPFLAME_FIXTURE_RUN';
const KEEP_ENV = 'GOHEAPFLAME_KEEP_FIXTURES';
const COMPLETE = 'complete.json';

/** The environment every go command and fixture process gets: nothing that changes a build or the runtime. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['GOFLAGS', 'GOOS', 'GOARCH', 'GOEXPERIMENT', 'GODEBUG', 'GOGC', 'GOMEMLIMIT', 'GOMAXPROCS', 'GOTRACEBACK']) {
    delete env[name];
  }
  // VCS stamping would run git in a work tree others are editing and make binaries depend on it.
  return { ...env, GOFLAGS: '-buildvcs=false', ...extra };
}

function goEnv(go: GoToolchain): NodeJS.ProcessEnv {
  const { toolchain, experiment } = toolchains[go];
  return cleanEnv({ GOTOOLCHAIN: toolchain, ...(experiment ? { GOEXPERIMENT: experiment } : {}) });
}

export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, timeout: options.timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const memo = new Map<string, Promise<unknown>>();

/** Forgets what this process built, so that the next calls find it on disk as another worker would. */
export function forgetFixtureMemo(): void {
  memo.clear();
}

export function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  let promise = memo.get(key) as Promise<T> | undefined;
  if (!promise) memo.set(key, (promise = make()));
  return promise;
}

/**
 * The exact version the toolchain reports (go1.26.8, go1.27.3), with the experiment (go1.25.5-greenteagc);
 * the first use of a toolchain other than the machine's downloads it.
 */
function toolchainVersion(go: GoToolchain): Promise<string> {
  return once(`version ${go}`, async () => {
    const version = (await run('go', ['env', 'GOVERSION'], { cwd: sourceRoot, env: goEnv(go), timeoutMs: 15 * 60_000 })).trim();
    const { experiment } = toolchains[go];
    return experiment ? `${version}-${experiment}` : version;
  });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A hash of everything a program is built from: go.mod, the shared truth package, its own directory. */
function sourceHash(program: string): string {
  const programDir = join(sourceRoot, program);
  if (!existsSync(join(programDir, 'main.go'))) throw new Error(`no fixture program ${program}: ${programDir}/main.go does not exist`);
  const files = [join(sourceRoot, 'go.mod'), ...listFiles(join(sourceRoot, 'internal')), ...listFiles(programDir)].sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${relative(sourceRoot, file)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 12);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isComplete(dir: string): boolean {
  const marker = join(dir, COMPLETE);
  if (!existsSync(marker)) return false;
  const { files } = JSON.parse(readFileSync(marker, 'utf8')) as { files: string[] };
  return files.every((file) => existsSync(join(dir, file)));
}

/** A lock whose owner died (or died between mkdir and writing its pid) may be broken. */
function lockIsStale(lock: string): boolean {
  try {
    return !isAlive(Number(readFileSync(join(lock, 'owner'), 'utf8')));
  } catch {
    try {
      return Date.now() - statSync(lock).mtimeMs > 30_000;
    } catch {
      return false; // the lock vanished meanwhile: not stale, just gone
    }
  }
}

/**
 * Makes `dir` complete exactly once across processes: the process that creates `<dir>.lock` runs
 * `build` into an emptied `dir` and writes complete.json listing the files `build` returns;
 * everyone else waits for that.
 */
export async function buildOnce(dir: string, build: (dir: string) => Promise<string[]>): Promise<void> {
  const lock = `${dir}.lock`;
  for (;;) {
    if (isComplete(dir)) return;
    try {
      mkdirSync(lock, { recursive: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(join(dir, '..'), { recursive: true });
        continue;
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale(lock)) rmSync(lock, { recursive: true, force: true });
      else await sleep(250);
      continue;
    }
    try {
      writeFileSync(join(lock, 'owner'), String(process.pid));
      if (isComplete(dir)) return;
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const files = await build(dir);
      writeFileSync(join(dir, `${COMPLETE}.tmp`), JSON.stringify({ files }));
      renameSync(join(dir, `${COMPLETE}.tmp`), join(dir, COMPLETE)); // readers never see it half written
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

export async function binaryDirName(program: string, go: GoToolchain): Promise<string> {
  return `${program}-${await toolchainVersion(go)}-${sourceHash(program)}`;
}

/** Builds (or reuses) the program with the given toolchain: default, stripped and PIE. */
export function fixtureBinary(program: string, go: GoToolchain): Promise<FixtureBinary> {
  return once(`binary ${program} ${go}`, async () => {
    const dir = join(fixturesRoot, 'bin', await binaryDirName(program, go));
    const variants: Array<[string, string[]]> = [
      [program, []],
      [`${program}-stripped`, ['-ldflags=-s -w']],
      [`${program}-pie`, ['-buildmode=pie']],
    ];
    await buildOnce(dir, async (out) => {
      for (const [name, flags] of variants) {
        await run('go', ['build', ...flags, '-o', join(out, name), `./${program}`], { cwd: sourceRoot, env: goEnv(go), timeoutMs: 15 * 60_000 });
      }
      return variants.map(([name]) => name);
    });
    return { program, go, binary: join(dir, program), strippedBinary: join(dir, `${program}-stripped`), pieBinary: join(dir, `${program}-pie`) };
  });
}

/** The directory of this run's cores. */
export function runCoresDir(): string {
  const run = process.env[KEEP_ENV] === '1' ? 'kept' : (process.env[RUN_ENV] ?? `process-${process.pid}`);
  return join(fixturesRoot, 'cores', run);
}

/** Deletes the cores of runs whose process is gone (run-<pid>-… from global-setup, process-<pid> otherwise). */
export function deleteOrphanedRunCores(): void {
  const cores = join(fixturesRoot, 'cores');
  if (!existsSync(cores)) return;
  for (const run of readdirSync(cores)) {
    const owner = run.match(/^(?:run|process)-(\d+)/);
    if (owner && !isAlive(Number(owner[1]))) rmSync(join(cores, run), { recursive: true, force: true });
  }
}

/** Deletes this run's cores (global-setup does it at the end of a test run; bench scripts call it themselves). */
export function deleteRunCores(): void {
  if (process.env[KEEP_ENV] !== '1') rmSync(runCoresDir(), { recursive: true, force: true });
}

/**
 * Why the kernel's core_pattern cannot give the 'crash' dump method a core file in the process's
 * working directory, or undefined when it can (a plain relative name such as `core`).
 */
export function corePatternProblem(pattern: string): string | undefined {
  const fix = 'the crash dump method needs a plain file name such as "core" (sysctl -w kernel.core_pattern=core)';
  if (pattern === '') return `kernel.core_pattern is empty, so the kernel writes no core files; ${fix}`;
  if (pattern.startsWith('|')) return `kernel.core_pattern is a pipe ("${pattern}"): the kernel hands cores to that program instead of writing a file; ${fix}`;
  if (pattern.includes('/')) return `kernel.core_pattern ("${pattern}") writes cores to a path outside the process's working directory; ${fix}`;
  return undefined;
}

/** Which build of a fixture runs and is dumped: the default one, the `-s -w` one, or the PIE one. */
export type FixtureBuild = 'default' | 'stripped' | 'pie';

/**
 * Dumps the program (or reuses this run's dump) and reads its truth. With another build than the
 * default, `binary` is that build: the one the core's process ran.
 */
export function fixtureCore(program: string, go: GoToolchain, dump: DumpMethod, build: FixtureBuild = 'default'): Promise<FixtureCore> {
  return once(`core ${program} ${go} ${dump} ${build}`, async () => {
    const built = await fixtureBinary(program, go);
    const ran = build === 'stripped' ? built.strippedBinary : build === 'pie' ? built.pieBinary! : built.binary;
    const binary = { ...built, binary: ran };
    const truthDir = join(runCoresDir(), `${await binaryDirName(program, go)}-${dump}${build === 'default' ? '' : `-${build}`}`);
    await buildOnce(truthDir, (dir) => dumpQuiescent(ran, program, dir, dump));
    const { pid } = JSON.parse(readFileSync(join(truthDir, 'pid.json'), 'utf8')) as { pid: number };
    const truth = {
      ...JSON.parse(readFileSync(join(truthDir, 'truth.json'), 'utf8')),
      quiescence: JSON.parse(readFileSync(join(truthDir, 'quiescence.json'), 'utf8')),
    } as Truth;
    return { ...binary, dump, core: join(truthDir, 'core'), truth, truthDir, pid };
  });
}

/** How often, and how many times in a row, the threads are sampled before a program counts as settled. */
const settleSampleMs = 50;
const settledSamples = 4;
/** A program that has not parked its last goroutine by then is stuck: the harness gives up. */
const settleTimeoutMs = 2 * 60_000;
const readyTimeoutMs = (program: string) => (program === 'big' ? 10 * 60_000 : 2 * 60_000);
const FILES = ['truth.json', 'stacks.txt', 'quiescence.json', 'stdout.log', 'stderr.log', 'pid.json'];
const ULIMIT_FAILED = 97;

/**
 * Dumps the program until it was quiescent between measuring its truth and the dump (at most
 * maxDumpAttempts times): on a loaded machine the runtime may still start a thread then, and
 * allocate its m and g, so the truth would not describe the core. The last attempt is kept as it is,
 * and the tests that check quiescence say so.
 */
async function dumpQuiescent(binary: string, program: string, dir: string, dump: DumpMethod): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const files = await dumpProgram(binary, program, dir, dump);
    const quiescence = JSON.parse(readFileSync(join(dir, 'quiescence.json'), 'utf8')) as Truth['quiescence'];
    const quiet = quiescence.mallocs === 0 && quiescence.frees === 0 && quiescence.numGC === 0;
    if (quiet || attempt === maxDumpAttempts) return files;
    for (const file of files) rmSync(join(dir, file), { force: true });
  }
}
export const maxDumpAttempts = 3;

async function dumpProgram(binary: string, program: string, dir: string, dump: DumpMethod): Promise<string[]> {
  if (dump === 'crash') {
    const problem = corePatternProblem(readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim());
    if (problem) throw new Error(`fixtureCore(${program}, crash): ${problem}`);
  }
  const stderr = openSync(join(dir, 'stderr.log'), 'w');
  const child =
    dump === 'gcore'
      ? spawn(binary, [dir], { cwd: dir, env: cleanEnv({}), stdio: ['ignore', 'pipe', stderr] })
      : spawn('bash', ['-c', `ulimit -c unlimited || exit ${ULIMIT_FAILED}; exec "$0" "$1"`, binary, dir], {
          cwd: dir,
          env: cleanEnv({ GOTRACEBACK: 'crash' }),
          stdio: ['ignore', 'pipe', stderr],
        });
  closeSync(stderr);
  const exited = exitOf(child);
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${binary}`);
    await waitForReady(child, exited, program, dir);
    writeFileSync(join(dir, 'pid.json'), JSON.stringify({ pid }));
    if (dump === 'gcore') {
      await gcoreInto(pid, dir);
    } else {
      process.kill(pid, 'SIGABRT');
      const end = await within(exited, 15 * 60_000);
      if (end === TIMED_OUT) throw new Error(`${program} did not die within 15 minutes of SIGABRT; see ${dir}/stderr.log`);
      const { code, signal } = end;
      if (signal !== 'SIGABRT') throw new Error(`${program} with GOTRACEBACK=crash ended with ${signal ?? `exit code ${code}`} instead of SIGABRT; see ${dir}/stderr.log`);
      renameSync(join(dir, kernelCoreName(dir, pid)), join(dir, 'core'));
    }
    return ['core', ...FILES];
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

/** How a child process ends. */
export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

/** Dumps the live process with gcore to <dir>/core, sparse. */
export async function gcoreInto(pid: number, dir: string): Promise<void> {
  // No debuginfod: gdb would try to download symbols for every library before dumping.
  await run('gcore', ['-o', join(dir, 'gcore'), String(pid)], { cwd: dir, env: { ...process.env, DEBUGINFOD_URLS: '' }, timeoutMs: 30 * 60_000 });
  renameSync(join(dir, `gcore.${pid}`), join(dir, 'core'));
  // gdb writes every readable mapping, the runtime's zero-filled reservations too (about 1.2 GB);
  // punching holes where the file is zero keeps it on disk at the size of what it holds.
  await run('fallocate', ['--dig-holes', join(dir, 'core')], { cwd: dir, env: process.env, timeoutMs: 10 * 60_000 });
}

/** The file the kernel wrote into the crashed process's working directory (its name follows core_pattern). */
function kernelCoreName(dir: string, pid: number): string {
  const written = readdirSync(dir).filter((name) => !FILES.includes(name));
  if (written.length !== 1) {
    const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
    throw new Error(
      `the kernel wrote ${written.length === 0 ? 'no core' : `${written.length} files (${written.join(', ')})`} for pid ${pid} into ${dir} (core_pattern "${pattern}"); expected exactly one core file`,
    );
  }
  return written[0];
}

/** Resolves once the program prints "ready" (its truth is written); rejects if it exits or hangs first. */
export async function waitForReady(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  program: string,
  dir: string,
): Promise<void> {
  let stdout = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (data: Buffer) => {
      stdout += data.toString();
      writeFileSync(join(dir, 'stdout.log'), stdout);
      if (stdout.includes('ready\n')) resolve();
    });
  });
  const timeoutMs = readyTimeoutMs(program);
  const outcome = await within(
    Promise.race([ready.then(() => 'ready' as const), exited.then(({ code, signal }) => `exited with ${signal ?? `code ${code}`}`)]),
    timeoutMs,
  );
  if (outcome === 'ready') {
    // The goroutine that printed "ready" still has to return from the write and park in time.Sleep;
    // dumped before that, its frames are mid-call and its stack holds stale words.
    await waitUntilParked(child.pid!, program, dir);
    return;
  }
  if (outcome === `exited with code ${ULIMIT_FAILED}`) throw new Error(`fixtureCore(${program}, crash): "ulimit -c unlimited" failed: the hard limit on core size forbids core files`);
  const stderr = readFileSync(join(dir, 'stderr.log'), 'utf8').slice(-4000);
  const what = outcome === TIMED_OUT ? `was not ready after ${timeoutMs / 1000} s` : outcome;
  throw new Error(`fixture ${program} ${what}\nstdout: ${stdout}\nstderr: ${stderr}`);
}

/**
 * Waits until no thread of the process is runnable but those of the goroutines the program keeps
 * running on purpose (truth.json: dumpState `running`), several samples in a row. However slow the
 * machine, the goroutine that printed "ready" has then parked: a fixed pause would race with it.
 */
async function waitUntilParked(pid: number, program: string, dir: string): Promise<void> {
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { goroutines: Array<{ dumpState: string }> };
  const spinning = truth.goroutines.filter((g) => g.dumpState === 'running').length;
  const deadline = Date.now() + settleTimeoutMs;
  for (let quiet = 0; quiet < settledSamples; ) {
    if (Date.now() > deadline) throw new Error(`fixture ${program} still had runnable threads ${settleTimeoutMs / 1000} s after "ready"`);
    await sleep(settleSampleMs);
    quiet = runnableThreads(pid) <= spinning ? quiet + 1 : 0;
  }
}

/** Threads of the process in state R (running or waiting for a CPU), from /proc/PID/task/TID/stat. */
function runnableThreads(pid: number): number {
  let runnable = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // "TID (comm) S …": the state follows the last ')' (comm may hold spaces and parentheses).
      if (stat[stat.lastIndexOf(')') + 2] === 'R') runnable++;
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return runnable;
}

export const TIMED_OUT = 'timed out' as const;

/** The promise's value, or TIMED_OUT once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, TIMED_OUT, { signal: timer.signal })]);
  } finally {
    timer.abort(); // the losing sleep rejects; race has already handled that
  }
}
