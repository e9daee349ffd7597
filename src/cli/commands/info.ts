import { constants } from 'node:os';
import type { CommandModule } from 'yargs';
import { type CoreArgs, coreArgs, openCore } from '../core-args.js';
import { UserError } from '../../errors.js';
import { ET_DYN } from '../../elf/elf-file.js';
import { formatBytes } from '../../flame/units.js';
import { printable } from '../../util/bytes.js';
import type { GoProcess } from '../../goruntime/process/go-process.js';
import { type Goroutine, readGoroutines } from '../../goruntime/process/goroutines.js';
import { analyzeCore } from '../../analysis/analyze-core.js';
import { heapTotals, type HeapTotals } from '../../analysis/heap-summary.js';
import { GoFrameNamer } from '../../analysis/frame-namer.js';
import { leakSuspects, type Retainer, retentionOf, suspectsList } from '../../analysis/retainers.js';
import { Progress } from '../progress.js';

/** Goroutines by status and by the state a traceback header shows (wait reason or status). */
export interface GoroutineCounts {
  total: number;
  user: number;
  /** Runtime goroutines that Go's tracebacks leave out (GC workers, the idle finalizer goroutine, …). */
  system: number;
  byStatus: Record<string, number>;
  /** User goroutines by traceback state: `chan receive`, `running`, `IO wait`, … */
  userByState: Record<string, number>;
}

/**
 * What `info` reports. Later stages add their own sections (the heap's summary) as further
 * properties; the fields here stay.
 */
export interface InfoReport {
  core: string;
  binary: string;
  /** runtime.Version() of the program, e.g. `go1.26.8`. */
  goVersion: string;
  /** Experiments the build set against its release's defaults: name → on. */
  experiments: Record<string, boolean>;
  buildId: { binary?: string; core?: string; matches?: boolean };
  /** Neither DWARF nor a symbol table. */
  stripped: boolean;
  /** What reading this binary without DWARF or symbols costs, one sentence each (empty when nothing). */
  strippedCosts: string[];
  dwarf: boolean;
  symbols: boolean;
  pie: boolean;
  /** No program interpreter: statically linked. */
  static: boolean;
  threads: number;
  /** The signal the core records, by name: SIGABRT, SIGSEGV, … for a crash; SIGSTOP for gcore, which stops the process. */
  signal?: string;
  memory: { mappings: number; fromCore: number; fromExecutable: number; fromFiles: number; zeroFilled: number; missing: number };
  /** Undefined when the goroutines cannot be read (stripped binary); warnings say why. */
  goroutines?: GoroutineCounts;
  /** The heap's totals; undefined when it cannot be read (warnings say why). */
  heap?: HeapTotals;
  /** The roots and objects that retain the most (see leakSuspects); with the heap. */
  leakSuspects?: Retainer[];
  warnings: string[];
}

const PT_INTERP = 3;

/** Goroutines tallied by status, and user goroutines by the state their traceback header would show. */
export function countGoroutines(goroutines: Goroutine[]): GoroutineCounts {
  const counts: GoroutineCounts = { total: goroutines.length, user: 0, system: 0, byStatus: {}, userByState: {} };
  for (const g of goroutines) {
    counts.byStatus[g.status] = (counts.byStatus[g.status] ?? 0) + 1;
    if (g.system) {
      counts.system++;
      continue;
    }
    counts.user++;
    const state = g.waitReason ?? g.status;
    counts.userByState[state] = (counts.userByState[state] ?? 0) + 1;
  }
  return counts;
}

function signalName(signo: number): string {
  const name = Object.entries(constants.signals).find(([, n]) => n === signo)?.[0];
  return name ?? `signal ${signo}`;
}

/** The info report; goroutines are counted without unwinding their stacks. */
export function describeCore(proc: GoProcess): InfoReport {
  const { image, binary } = proc;
  const exe = image.exe;
  const inCore = image.exeBuildIdInCore();
  const inExe = exe.goBuildId();
  const summary = image.summary();
  const warnings = [...proc.warnings];
  const signo = image.siginfo?.signo || image.threads.find((t) => t.cursig !== 0)?.cursig;
  let goroutines: GoroutineCounts | undefined;
  try {
    goroutines = countGoroutines(readGoroutines(proc, { stacks: false }));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    warnings.push(`goroutines not read: ${err.message}`);
  }
  return {
    core: image.coreName,
    binary: exe.path,
    goVersion: binary.version.raw,
    experiments: binary.version.experiments,
    buildId: { binary: inExe, core: inCore, matches: inExe && inCore ? inExe === inCore : undefined },
    stripped: proc.stripped,
    strippedCosts: proc.strippedCosts(),
    dwarf: proc.dwarf !== undefined,
    symbols: exe.symbols().length > 0,
    pie: exe.header.type === ET_DYN,
    static: !exe.programHeaders.some((p) => p.type === PT_INTERP),
    threads: image.threads.length,
    ...(signo ? { signal: signalName(signo) } : {}),
    memory: { mappings: image.mappings.length, ...summary },
    ...(goroutines ? { goroutines } : {}),
    warnings,
  };
}

const tally = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([name, n]) => `${n} ${name}`)
    .join(', ');

export function formatInfo(r: InfoReport): string {
  const yesNo = (b: boolean) => (b ? 'yes' : 'no');
  const buildId =
    r.buildId.matches === undefined
      ? `${r.buildId.binary !== undefined ? printable(r.buildId.binary) : 'none in the binary'} (${r.buildId.core ? 'the core has one' : 'not in the core'}; not compared)`
      : r.buildId.matches
        ? `${printable(r.buildId.binary!)} (matches the core)`
        : `${printable(r.buildId.binary!)} (the core has ${printable(r.buildId.core!)}: a different build, read with --force)`;
  const experiments = Object.entries(r.experiments).map(([name, on]) => (on ? name : `no${name}`));
  const m = r.memory;
  const lines = [
    `core        ${r.core}${r.signal ? ` (signal ${r.signal})` : ''}`,
    `binary      ${r.binary}: ${r.pie ? 'PIE' : 'position-dependent'}, ${r.static ? 'static' : 'dynamically linked'}, DWARF ${yesNo(r.dwarf)}, symbols ${yesNo(r.symbols)}`,
    `Go          ${r.goVersion}${experiments.length ? ` (GOEXPERIMENT=${experiments.join(',')})` : ''}`,
    `build ID    ${buildId}`,
    ...r.strippedCosts.map((cost) => `stripped    ${cost}`),
    `threads     ${r.threads}`,
    `memory      ${m.mappings} mappings: ${formatBytes(m.fromCore)} from the core, ${formatBytes(m.fromExecutable)} from the binary, ` +
      `${formatBytes(m.fromFiles)} from other files, ${formatBytes(m.zeroFilled)} zero, ${formatBytes(m.missing)} missing`,
  ];
  const g = r.goroutines;
  if (g) {
    lines.push(`goroutines  ${g.total} (${g.user} user, ${g.system} runtime): ${tally(g.byStatus)}`);
    if (g.user) lines.push(`            user goroutines: ${tally(g.userByState)}`);
  }
  const h = r.heap;
  if (h) {
    const pct = (part: number) => (h.bytes > 0 ? `${((100 * part) / h.bytes).toFixed(1)}%` : '0%');
    lines.push(
      `heap        ${formatBytes(h.bytes)} in ${h.objects} objects; reachable ${formatBytes(h.reachableBytes)} in ${h.reachableObjects} objects; ` +
        `type known for ${h.reachableBytes > 0 ? ((100 * h.typedBytes) / h.reachableBytes).toFixed(1) : '0'}% of reachable bytes`,
      `            held by ${Object.entries(h.bytesByRootKind)
        .filter(([, bytes]) => bytes > 0)
        .map(([kind, bytes]) => `${kind} roots ${formatBytes(bytes)} (${pct(bytes)})`)
        .join(', ')}`,
    );
  }
  if (r.leakSuspects && h) lines.push(`suspects    ${suspectsList(r.leakSuspects, h.bytes, formatBytes)}.`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

/** Adds the heap's totals to a report; a heap that cannot be read becomes a warning. */
function addHeap(report: InfoReport, proc: GoProcess): void {
  const progress = new Progress(false);
  try {
    const analysis = analyzeCore(proc, progress.phase);
    report.heap = heapTotals(analysis);
    progress.phase('computing dominators');
    report.leakSuspects = leakSuspects(analysis, retentionOf(analysis), new GoFrameNamer(analysis.heap, proc.binary.pclntab), report.heap.bytes);
    report.warnings.push(...analysis.warnings);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    report.warnings.push(`heap not read: ${err.message}`);
  } finally {
    progress.done();
  }
}

/** `goheapflame info CORE BINARY`: what the core and the binary are, before any heap analysis. */
export const infoCommand: CommandModule<object, CoreArgs> = {
  command: 'info [core] [binary]',
  describe: 'Describe a Go core dump: Go version, build ID match, threads, memory, goroutines, heap totals',
  builder: coreArgs,
  handler: async (args) => {
    const { proc } = await openCore(args);
    try {
      const report = describeCore(proc);
      addHeap(report, proc);
      process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatInfo(report));
    } finally {
      proc.close();
    }
  },
};
