/**
 * A fuzz run: the inputs (the sample core, its binary and a stripped copy), a seeded list of cases,
 * a small pool of child processes, and the report (per-region table, failures grouped by message).
 * Shared by the test suite (test/fuzz/fuzz.test.ts) and the longer bench run (bench/fuzz/run.mjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMutation, layoutOf, regionSize, planCase, regionSchedule, type BinaryVariant, type Command, type Inputs, type Layout, type Region } from './mutate.js';
import { DEFAULT_LIMITS, FAILURES, OUTCOMES, caseArgs, classify, runChild, type Outcome, type RunLimits } from './run-case.js';

export interface CampaignOptions {
  /** bin/goheapflame.js of the build under test. */
  cli: string;
  core: string;
  binary: string;
  seed: number;
  /** Cases first..first+cases-1 (unless `only`). */
  cases: number;
  first?: number;
  /** Just these case indices. */
  only?: number[];
  concurrency: number;
  limits?: RunLimits;
  /** Start no new case after this many ms (cases already running finish). */
  budgetMs?: number;
  /** Keep the mutated files (and print where), for reproducing a case. */
  keep?: boolean;
  onCase?: (result: CaseResult, done: number) => void;
}

export interface CaseResult {
  seed: number;
  /** -1 and -2 are the unmutated baselines (unstripped, stripped). */
  index: number;
  region: string;
  variant: BinaryVariant;
  command: Command;
  mutation: string;
  outcome: Outcome;
  detail: string;
  exit: number | null;
  signal: string | null;
  stderr: string;
  ms: number;
  peakRssKb: number | undefined;
  /** The command line, with the paths of the (kept or deleted) inputs. */
  commandLine: string;
}

export interface CampaignReport {
  seed: number;
  layout: Layout;
  strippedAvailable: boolean;
  baseline: CaseResult[];
  cases: CaseResult[];
  wallMs: number;
  workDir: string;
}

/** The sample and a stripped copy of its binary (objcopy --strip-all; none when binutils is missing). */
export function loadInputs(corePath: string, binaryPath: string, workDir: string): Inputs {
  const file = (path: string) => ({ path, bytes: readFileSync(path) });
  const strippedPath = join(workDir, 'stripped.bin');
  const r = spawnSync('objcopy', ['--strip-all', binaryPath, strippedPath], { encoding: 'utf8' });
  const unstripped = file(binaryPath);
  return { core: file(corePath), binaries: r.status === 0 && existsSync(strippedPath) ? { unstripped, stripped: file(strippedPath) } : { unstripped } };
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignReport> {
  const started = Date.now();
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const workDir = mkdtempSync(join(tmpdir(), 'goheapflame-fuzz-'));
  const inputs = loadInputs(opts.core, opts.binary, workDir);
  const layout = layoutOf(inputs);
  const schedule = regionSchedule(layout, opts.seed);
  const base = join(workDir, 'base');
  mkdirSync(base);
  const basePaths = {
    core: join(base, 'leaky.core'),
    unstripped: join(base, 'leaky.bin'),
    stripped: join(base, 'leaky-stripped.bin'),
  };
  writeFileSync(basePaths.core, inputs.core.bytes);
  writeFileSync(basePaths.unstripped, inputs.binaries.unstripped.bytes);
  if (inputs.binaries.stripped) writeFileSync(basePaths.stripped, inputs.binaries.stripped.bytes);

  const runOne = async (
    index: number,
    region: string,
    variant: BinaryVariant,
    command: Command,
    mutation: string,
    mutated?: { file: 'core' | 'binary'; bytes: Buffer },
  ): Promise<CaseResult> => {
    const dir = join(workDir, `case-${index}`);
    mkdirSync(dir, { recursive: true });
    let core = basePaths.core;
    let binary = basePaths[variant];
    if (mutated?.file === 'core') writeFileSync((core = join(dir, 'leaky.core')), mutated.bytes);
    if (mutated?.file === 'binary') writeFileSync((binary = join(dir, variant === 'stripped' ? 'leaky-stripped.bin' : 'leaky.bin')), mutated.bytes);
    const svgPath = join(dir, 'out.svg');
    const args = caseArgs(command, core, binary, svgPath);
    const r = await runChild(opts.cli, args, limits, join(dir, 'time.txt'));
    const svg = command === 'flame' && r.code === 0 && existsSync(svgPath) ? readFileSync(svgPath) : undefined;
    const c = classify(command, r, svg);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    return {
      seed: opts.seed,
      index,
      region,
      variant,
      command,
      mutation,
      outcome: c.outcome,
      detail: c.detail,
      exit: r.code,
      signal: r.signal,
      stderr: r.stderr,
      ms: r.ms,
      peakRssKb: r.peakRssKb,
      commandLine: `node --max-old-space-size=${limits.maxOldSpaceMb} ${opts.cli} ${args.join(' ')}`,
    };
  };

  // The unmutated inputs must render, or every case below would be meaningless.
  const baseline = [await runOne(-1, 'baseline', 'unstripped', 'flame', 'none')];
  if (inputs.binaries.stripped) baseline.push(await runOne(-2, 'baseline', 'stripped', 'flame', 'none'));

  const first = opts.first ?? 0;
  const indices = opts.only ?? Array.from({ length: opts.cases }, (_, i) => first + i);
  const cases: CaseResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < indices.length) {
      if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) return;
      const index = indices[next++]!;
      const plan = planCase(inputs, layout, schedule, opts.seed, index);
      const result = await runOne(index, plan.region, plan.variant, plan.command, describeMutation(plan.mutation), {
        file: plan.mutatedFile,
        bytes: plan.bytes,
      });
      cases.push(result);
      opts.onCase?.(result, cases.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  cases.sort((a, b) => a.index - b.index);
  if (!opts.keep) rmSync(workDir, { recursive: true, force: true });
  return { seed: opts.seed, layout, strippedAvailable: inputs.binaries.stripped !== undefined, baseline, cases, wallMs: Date.now() - started, workDir };
}

// ---------------------------------------------------------------- reports

/** The regions of the inputs: bytes in each variant of the file, ranges, variables. */
export function layoutTable(inputs: Inputs): string {
  const layout = layoutOf(inputs);
  const lines = ['| region | file bytes (unstripped / stripped binary) | ranges | variables | targeted words |', '| --- | ---: | ---: | ---: | --- |'];
  const hot = (r: Region | undefined) => (r?.hot ?? []).map((h) => `${h.offsets.length} (${h.label})`).join(', ');
  for (const r of layout.core) lines.push(`| ${r.id} | ${regionSize(r)} | ${r.ranges.length} | ${r.symbols?.length ?? ''} | ${hot(r)} |`);
  for (const id of layout.ids.filter((i) => i.startsWith('binary:'))) {
    const u = layout.binary.unstripped.find((r) => r.id === id);
    const s = layout.binary.stripped?.find((r) => r.id === id);
    lines.push(`| ${id} | ${u ? regionSize(u) : '–'} / ${s ? regionSize(s) : '–'} | ${(u ?? s)!.ranges.length} | | ${hot(u ?? s)} |`);
  }
  return lines.join('\n');
}

const mib = (kb: number | undefined) => (kb === undefined ? '?' : `${(kb / 1024).toFixed(0)}`);

/** Markdown table: per region, cases, outcomes by class, peak RSS and slowest case. */
export function regionTable(report: CampaignReport): string {
  const shown = OUTCOMES.filter((o) => o === 'ok' || o === 'clean-error' || report.cases.some((c) => c.outcome === o) || FAILURES.includes(o));
  const header = ['region', 'cases', ...shown, 'peak RSS MiB', 'slowest s'];
  const rows: string[][] = [];
  const row = (name: string, cs: CaseResult[]) => {
    const peak = cs.reduce<number | undefined>((m, c) => (c.peakRssKb === undefined ? m : Math.max(m ?? 0, c.peakRssKb)), undefined);
    const slowest = cs.reduce((m, c) => Math.max(m, c.ms), 0);
    rows.push([name, String(cs.length), ...shown.map((o) => String(cs.filter((c) => c.outcome === o).length)), mib(peak), (slowest / 1000).toFixed(1)]);
  };
  for (const id of report.layout.ids) {
    const cs = report.cases.filter((c) => c.region === id);
    if (cs.length > 0) row(id, cs);
  }
  row('**all**', report.cases);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** A message with its numbers taken out, so that one bug is one group. */
export function messageKey(c: CaseResult): string {
  const text = c.detail.replace(/0x[0-9a-f]+/gi, '0x…').replace(/\d+(?:[_,.]\d+)*/g, 'N');
  return `${c.outcome}: ${text}`;
}

export function failures(report: CampaignReport): CaseResult[] {
  return [...report.baseline, ...report.cases].filter((c) => FAILURES.includes(c.outcome));
}

/** Failures grouped by message, each with its count, regions and the smallest case as the reproduction. */
export function failureGroups(report: CampaignReport): string {
  const groups = new Map<string, CaseResult[]>();
  for (const c of failures(report)) {
    const k = messageKey(c);
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  if (groups.size === 0) return 'No failures.';
  return [...groups.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([key, cs]) => {
      const regions = [...new Set(cs.map((c) => c.region))].join(', ');
      return [`### ${cs.length}× ${key}`, `regions: ${regions}`, ...cs.slice(0, 5).map(describeCase)].join('\n');
    })
    .join('\n\n');
}

/** Everything needed to reproduce a case, on a few lines. */
export function describeCase(c: CaseResult): string {
  const stack = c.stderr
    .split('\n')
    .filter((l) => /^ {4}at /.test(l))
    .slice(0, 3)
    .map((l) => `      ${l.trim()}`);
  return [
    `- seed ${c.seed} case ${c.index}: ${c.region} (${c.variant} binary), ${c.command}: ${c.mutation}`,
    `    → ${c.outcome} (${c.exit === null ? c.signal : `exit ${c.exit}`}, ${(c.ms / 1000).toFixed(1)} s): ${c.detail}`,
    ...stack,
    `    reproduce: node bench/fuzz/run.mjs --seed ${c.seed} --case ${c.index} --keep`,
  ].join('\n');
}
