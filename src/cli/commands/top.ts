import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors.js';
import { formatBytes } from '../../flame/units.js';
import { analyzeCore } from '../../analysis/analyze-core.js';
import { bytesByType } from '../../analysis/heap-summary.js';
import { GoFrameNamer } from '../../analysis/frame-namer.js';
import { largestRetainers, type Retainer, retentionOf } from '../../analysis/retainers.js';
import { Progress, warn } from '../progress.js';
import { type CoreArgs, coreArgs, openCore } from '../core-args.js';
import { checkShowCount } from '../option-values.js';

interface TopArgs extends CoreArgs {
  n: number;
  quiet: boolean;
  retained: boolean;
}

/** `goheapflame top CORE BINARY`: heap objects and bytes per type, largest first. */
export const topCommand: CommandModule<object, TopArgs> = {
  command: 'top [core] [binary]',
  describe: 'Objects and bytes per type in the heap, largest first (reachable memory, then unreachable)',
  builder: (yargs: Argv<object>) =>
    coreArgs(yargs).options({
      n: { type: 'number', default: 30, describe: 'Show this many types (0 for all), or retainers' },
      retained: { type: 'boolean', default: false, describe: 'The largest retainers instead: roots and objects by the bytes freeing them would free (the dominator tree)' },
      quiet: { alias: 'q', type: 'boolean', default: false, describe: 'No progress on stderr' },
    }) as unknown as Argv<TopArgs>,
  handler: async (args) => {
    checkShowCount(args.n, 'types');
    if (args.retained && args.n === 0) throw new UserError('usage', '-n must be at least 1 with --retained: every object retains something; give how many to show.');
    const progress = new Progress(args.quiet);
    const { proc } = await openCore(args, progress.phase);
    const analysis = analyzeCore(proc, progress.phase);
    progress.done();
    warn([...proc.warnings, ...analysis.warnings]);
    if (args.retained) return printRetainers(args, largestRetainers(analysis, retentionOf(analysis), new GoFrameNamer(analysis.heap, proc.binary.pclntab), args.n));
    const funcName = (pc: number) => proc.binary.pclntab.funcForPC(pc)?.name;
    const lines = bytesByType(analysis, funcName);
    const shown = args.n > 0 ? lines.slice(0, args.n) : lines;
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ types: shown }, null, 2)}\n`);
      return;
    }
    const rows = shown.map((l) => [formatBytes(l.bytes), String(l.count), l.type]);
    const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c]!.length), c === 0 ? 5 : 7));
    process.stdout.write(`${'bytes'.padStart(widths[0]!)}  ${'objects'.padStart(widths[1]!)}  type\n`);
    for (const r of rows) process.stdout.write(`${r[0]!.padStart(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]}\n`);
    if (shown.length < lines.length) process.stdout.write(`… ${lines.length - shown.length} more types (-n 0 shows all)\n`);
  },
};

/** The retainers as a table (bytes, objects, what), or as JSON. */
function printRetainers(args: TopArgs, retainers: Retainer[]): void {
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ retainers }, null, 2)}\n`);
    return;
  }
  const what = (r: Retainer) => (r.kind === 'object' ? `${r.name} at ${r.address} (in ${r.heldBy})` : r.name);
  const rows = retainers.map((r) => [formatBytes(r.bytes), String(r.objects), what(r)]);
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c]!.length), c === 0 ? 8 : 7));
  process.stdout.write(`${'retained'.padStart(widths[0]!)}  ${'objects'.padStart(widths[1]!)}  root or object\n`);
  for (const r of rows) process.stdout.write(`${r[0]!.padStart(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]}\n`);
}
