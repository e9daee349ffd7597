import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors.js';
import { hex } from '../../util/bytes.js';
import { analyzeCore } from '../../analysis/analyze-core.js';
import { GoFrameNamer } from '../../analysis/frame-namer.js';
import { type PathGroup, ReferencePaths } from '../../analysis/reference-paths.js';
import { ObjectTypeNames } from '../../analysis/type-names.js';
import { Progress, warn } from '../progress.js';
import { type CoreArgs, coreArgs, openCore } from '../core-args.js';
import { checkShowCount, regexOption } from '../option-values.js';

interface PathArgs extends CoreArgs {
  type?: string;
  address?: string;
  n: number;
  quiet: boolean;
}

/** One group of `path --json`: `count` objects of `type` reached by `path`, root first; `address` is one of them. */
export interface PathJson {
  address: string;
  type: string;
  count: number;
  path: string[];
}

/**
 * `goheapflame path CORE BINARY --type REGEX | --address 0x…`: why objects are still alive, as the
 * chain of references from a root to each. With --type, the objects are grouped by chain; none
 * matching is an answer, not an error (a line saying so, or `[]` with --json, and exit 0). With
 * --address, an address in no object, or in garbage, is a usage error: the question has no answer.
 */
export const pathCommand: CommandModule<object, PathArgs> = {
  command: 'path [core] [binary]',
  describe: 'Why objects are still alive: the chain of references from a root to each object of a type, or to the object at an address',
  builder: (yargs: Argv<object>) =>
    coreArgs(yargs).options({
      type: { type: 'string', describe: 'Objects whose type, as top names it (main.Job, [65536]uint8), matches this regular expression; none matching prints a line saying so ([] with --json)' },
      address: { type: 'string', describe: 'The object containing this address (0x…)' },
      n: { type: 'number', default: 20, describe: 'With --type: show this many paths, most objects first (0 for all)' },
      quiet: { alias: 'q', type: 'boolean', default: false, describe: 'No progress on stderr' },
    }) as unknown as Argv<PathArgs>,
  handler: async (args) => {
    // Every option is checked before the core is read, which can take minutes.
    if ((args.type === undefined) === (args.address === undefined)) throw new UserError('usage', 'Give exactly one of --type REGEX and --address 0x…. Run with --help for usage.');
    checkShowCount(args.n, 'paths');
    const pattern = args.type === undefined ? undefined : regexOption('--type', args.type);
    const address = args.address === undefined ? undefined : parseAddress(args.address);
    const progress = new Progress(args.quiet);
    const { proc } = await openCore(args, progress.phase);
    const analysis = analyzeCore(proc, progress.phase);
    progress.done();
    warn([...proc.warnings, ...analysis.warnings]);
    const paths = new ReferencePaths(analysis, new GoFrameNamer(analysis.heap, proc.binary.pclntab));
    const names = new ObjectTypeNames(analysis.heap.typing, (pc) => proc.binary.pclntab.funcForPC(pc)?.name);
    if (address !== undefined) {
      const obj = objectAt(analysis.heap.objects, paths, address);
      const group: PathGroup = { address: analysis.heap.objects.dataStart(obj), type: names.of(obj), count: 1, path: paths.pathOf(obj) };
      if (args.json) printJson([group]);
      else {
        const into = address - group.address;
        const where = into === 0 ? '' : into > 0 ? ` (${hex(address)} is ${into} bytes into it)` : ` (${hex(address)} is in its malloc header)`;
        process.stdout.write(`${group.type} at ${hex(group.address)}${where}:\n${steps(group.path)}`);
      }
      return;
    }
    const { groups, total, unreachable } = paths.groupsOfType(pattern!, (obj) => names.of(obj), args.n);
    if (args.json) return printJson(groups);
    const garbage = unreachable ? `${unreachable} matching objects are garbage: no root reaches them, so they have no path.\n` : '';
    if (total === 0) {
      process.stdout.write(`No reachable object has a type matching /${pattern!.source}/.\n${garbage}`);
      return;
    }
    process.stdout.write(groups.map((g) => `${header(g)}\n${steps(g.path)}`).join('\n'));
    if (groups.length < total) process.stdout.write(`\n… ${total - groups.length} more paths (-n 0 shows all)\n`);
    if (garbage) process.stdout.write(`\n${garbage}`);
  },
};

function parseAddress(text: string): number {
  // Heap addresses are at most 48 bits: 12 hex digits, exact in a double.
  const digits = /^0x0*([0-9a-f]{1,12})$/i.exec(text.trim())?.[1];
  if (digits === undefined) throw new UserError('usage', `--address ${JSON.stringify(text)} is not a heap address; give one in hex, like 0xc000123000.`);
  return Number.parseInt(digits, 16);
}

/** The object containing `address`, which a root must reach. */
function objectAt(objects: { find(addr: number): number; isFreeSlot(addr: number): boolean }, paths: ReferencePaths, address: number): number {
  const obj = objects.find(address);
  if (obj < 0) {
    const what = objects.isFreeSlot(address) ? 'is in a free heap slot (freed, or never allocated)' : 'is in no heap object';
    throw new UserError('usage', `${hex(address)} ${what}; give an address inside an allocated object (top and the flame graph show which types there are).`);
  }
  if (!paths.isReachable(obj)) throw new UserError('usage', `The object at ${hex(address)} is garbage: no root reaches it, so nothing keeps it alive and the next GC can free it.`);
  return obj;
}

function header(g: PathGroup): string {
  return g.count === 1 ? `1 object of ${g.type} at ${hex(g.address)}:` : `${g.count} objects of ${g.type}, e.g. ${hex(g.address)}:`;
}

function steps(path: readonly string[]): string {
  return path.map((step) => `  ${step}\n`).join('');
}

function printJson(groups: PathGroup[]): void {
  const json: PathJson[] = groups.map((g) => ({ address: hex(g.address), type: g.type, count: g.count, path: g.path }));
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
}
