import { basename } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { checkDumpPair, dumpIdentity } from '../../analysis/dump-pair.js';
import { heapTotals, type HeapTotals } from '../../analysis/heap-summary.js';
import { diffStacksToTree } from '../../export/tree-json.js';
import { formatFolded } from '../../flame/folded.js';
import type { PaletteName } from '../../flame/options.js';
import { flameGraphChunks } from '../../flame/render.js';
import type { Stack } from '../../flame/tree.js';
import { formatBytes, signedCount, countFormat } from '../../flame/units.js';
import { diffStacks, type DiffStack } from '../../graph/fold-diff.js';
import type { FoldedStack } from '../../graph/fold.js';
import { openCore, type OpenedCore } from '../core-args.js';
import { heapStacks, noStacksError, stackOptions, startGraphCommand, type StackArgs, type StackSelection } from '../heap-stacks.js';
import { writeOutput } from '../output.js';
import { Progress, warn } from '../progress.js';
import { flameOptions, renderOptions, type RenderOptionArgs } from '../render-args.js';

const formats = ['svg', 'folded', 'json'] as const;

interface DiffArgs extends RenderOptionArgs, StackArgs {
  base: string;
  new: string;
  binary: string;
  output?: string;
  format: (typeof formats)[number];
  force: boolean;
}

/** `goheapflame diff BASE NEW BINARY -o growth.svg`: what grew between two dumps of one program, and who holds it. */
export const diffCommand: CommandModule<object, DiffArgs> = {
  command: 'diff <base> <new> <binary>',
  describe: 'Differential flame graph of two dumps of one program: red where memory grew, blue where it shrank',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('base', { type: 'string', demandOption: true, describe: 'The earlier core dump (zstd or gzip too)' })
      .positional('new', { type: 'string', demandOption: true, describe: 'The later core dump of the same program' })
      .positional('binary', { type: 'string', demandOption: true, describe: 'The executable that was running (stripped is fine)' })
      .options({
        output: { alias: 'o', type: 'string', describe: 'Write here (default: standard output)' },
        format: { choices: formats, default: 'svg' as const, describe: 'svg; folded (two counts per line, base and new, as flamegraph.pl reads them); json (the tree)' },
        force: { type: 'boolean', default: false, describe: 'Compare dumps of different builds, or read cores that do not match the binary or are truncated' },
      })
      .options(stackOptions)
      .options(renderOptions) as unknown as Argv<DiffArgs>,
  handler: async (args) => {
    const { selection, progress } = startGraphCommand(args);
    // Both cores are opened (cheap) and checked as a pair before either is analysed (not cheap).
    const opened = [await openDump(args, args.base, 'base', progress), await openDump(args, args.new, 'new', progress)] as const;
    const pairWarnings = checkDumpPair(dumpIdentity(opened[0].proc), dumpIdentity(opened[1].proc), args.force);
    // One analysis at a time: only the stacks of the first stay in memory during the second.
    const [base, after] = opened.map((dump, k) => foldDump(dump, selection, k === 0 ? 'base' : 'new', progress));
    if (base!.stacks.length === 0 && after!.stacks.length === 0) throw noStacksError(selection, `${args.base} or ${args.new}`);
    const stacks = diffStacks(base!.stacks, after!.stacks);
    const program = basename(opened[1].binary);
    const title = args.title ?? `${program} · ${opened[1].proc.binary.version.raw} · heap ${formatBytes(base!.totals.bytes)} → ${formatBytes(after!.totals.bytes)}`;
    progress.phase(`writing ${args.format}`);
    await writeOutput(args.output, outputOf(args, stacks, title));
    progress.done();
    if (!args.quiet) warn([...pairWarnings, ...base!.warnings, ...after!.warnings]);
    if (!args.quiet) process.stderr.write(summary(base!.totals, after!.totals, stacks, args.output));
  },
};

function openDump(args: DiffArgs, core: string, which: string, progress: Progress): Promise<OpenedCore> {
  return openCore({ core, binary: args.binary, force: args.force, quiet: args.quiet }, (phase) => progress.phase(`${which}: ${phase}`));
}

interface FoldedDump {
  stacks: FoldedStack[];
  totals: HeapTotals;
  warnings: string[];
}

function foldDump({ proc }: OpenedCore, selection: StackSelection, which: string, progress: Progress): FoldedDump {
  try {
    // Labels without object counts: a list or an array that grew is the same frame in both dumps.
    const { analysis, stacks } = heapStacks(proc, selection, (phase) => progress.phase(`${which}: ${phase}`), { counts: false, retention: false });
    const warnings = [...proc.warnings, ...analysis.warnings].map((w) => `${proc.image.coreName}: ${w}`);
    return { stacks, totals: heapTotals(analysis), warnings };
  } finally {
    proc.close();
  }
}

function outputOf(args: DiffArgs, stacks: DiffStack[], title: string): Iterable<string | Uint8Array> {
  const weight = (w: { bytes: number; objects: number }) => (args.weight === 'bytes' ? w.bytes : w.objects);
  const weighted: Stack[] = stacks.map((s) => ({ frames: s.frames, value: weight(s.base), value2: weight(s.after) }));
  switch (args.format) {
    case 'folded':
      return [formatFolded(weighted)];
    case 'json':
      return [`${JSON.stringify(diffStacksToTree(stacks), null, 1)}\n`];
    default:
      return flameGraphChunks(weighted, {
        ...flameOptions(args),
        title,
        countName: args.countname ?? args.weight,
        colors: (args.colors ?? 'go') as PaletteName,
      });
  }
}

/** The summary on stderr: the heap before and after, and the roots that grew and shrank most. */
function summary(base: HeapTotals, after: HeapTotals, stacks: DiffStack[], output: string | undefined): string {
  const bytes = countFormat('bytes');
  const byRoot = new Map<string, number>();
  for (const s of stacks) byRoot.set(s.frames[0]!, (byRoot.get(s.frames[0]!) ?? 0) + s.after.bytes - s.base.bytes);
  const ranked = [...byRoot].filter(([, change]) => change !== 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const list = (entries: Array<[string, number]>) => entries.map(([name, change]) => `${name} (${signedCount(bytes, change)})`).join(', ');
  const grew = ranked.filter(([, change]) => change > 0).slice(0, 3);
  const shrank = ranked.filter(([, change]) => change < 0).reverse().slice(0, 3);
  return (
    `Heap ${formatBytes(base.bytes)} → ${formatBytes(after.bytes)} (${signedCount(bytes, after.bytes - base.bytes)}); ` +
    `reachable ${formatBytes(base.reachableBytes)} → ${formatBytes(after.reachableBytes)} (${signedCount(bytes, after.reachableBytes - base.reachableBytes)}). ` +
    (grew.length ? `Grew most: ${list(grew)}. ` : 'No root grew. ') +
    (shrank.length ? `Shrank most: ${list(shrank)}. ` : '') +
    `Wrote ${output ?? 'standard output'}.\n`
  );
}
