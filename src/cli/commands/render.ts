import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Argv, CommandModule } from 'yargs';
import { fileError, UserError } from '../errors.js';
import { parseMinWidth, resolveOptions, type FlameOptions } from '../../flame/options.js';
import { PALETTE_NAMES, type PaletteName } from '../../flame/palettes.js';

interface RenderArgs {
  input: string;
  output?: string;
  title?: string;
  subtitle?: string;
  width?: number;
  height?: number;
  minwidth?: string;
  fonttype?: string;
  fontsize?: number;
  fontwidth?: number;
  countname?: string;
  nametype?: string;
  colors?: string;
  hash?: boolean;
  inverted?: boolean;
  reverse?: boolean;
  notes?: string;
  total?: number;
}

/** `goheapflame render INPUT [-o OUT]`: flamegraph.pl's job, with flamegraph.pl's option names. */
export const renderCommand: CommandModule<object, RenderArgs> = {
  command: 'render <input>',
  describe: 'Render folded stacks (or viewcore objref backtraces) as an interactive SVG flame graph',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('input', {
        type: 'string',
        demandOption: true,
        describe: 'Folded stacks ("a;b;c 1234") or objref backtrace blocks; - reads standard input',
      })
      .options({
        output: { alias: 'o', type: 'string', describe: 'Write the SVG here (default: standard output)' },
        title: { type: 'string', describe: 'Title (default "Flame Graph", "Icicle Graph" with --inverted)' },
        subtitle: { type: 'string', describe: 'Second title line' },
        width: { type: 'number', describe: 'Image width in pixels (default 1200)' },
        height: { type: 'number', describe: 'Frame height in pixels (default 16)' },
        minwidth: { type: 'string', describe: 'Drop frames narrower than this many pixels, or N% of the total (default 0.1)' },
        fonttype: { type: 'string', describe: 'Font family (default monospace)' },
        fontsize: { type: 'number', describe: 'Font size (default 12)' },
        fontwidth: { type: 'number', describe: 'Average character width / font size, for fitting labels (default 0.61)' },
        countname: { type: 'string', describe: 'What the counts are (default bytes: shown as B, KiB, MiB, GiB)' },
        nametype: { type: 'string', describe: 'Word before a frame in the details line (default "Frame:")' },
        colors: { type: 'string', choices: PALETTE_NAMES, describe: 'Palette (default mem; go colours Go frames by kind)' },
        hash: { type: 'boolean', describe: 'Colour by a name hash that makes similar names look alike' },
        inverted: { type: 'boolean', describe: 'Icicle graph: root at the top' },
        reverse: { type: 'boolean', describe: 'Reverse each stack (leaf first) before merging' },
        notes: { type: 'string', describe: 'Text kept in a comment in the SVG' },
        total: { type: 'number', describe: 'The count that is 100% (when larger than the sum of the stacks)' },
      }) as unknown as Argv<RenderArgs>,
  handler: async (args) => {
    // Loaded here, not at start-up, so other commands do not pay for the renderer.
    const { startShellWorker } = await import('../../flame/parallel-shell.js');
    const shellBuilder = startShellWorker();
    const { decodeStackText, readFrameTree } = await import('../../flame/parse.js');
    const { planFromTree, svgChunks } = await import('../../flame/plan.js');
    const options = resolveOptions(flameOptions(args));
    const { text, source } = await readInput(args.input, decodeStackText);
    const { tree, warnings } = readFrameTree(text, options.reverse);
    for (const warning of warnings) process.stderr.write(`goheapflame: ${source}: ${warning}\n`);
    if (tree.stacks === 0) {
      throw new UserError(
        'badInputData',
        `${source} holds no stacks; give folded stacks ("a;b;c 1234") or viewcore objref backtrace blocks.`,
      );
    }
    const plan = planFromTree(tree, options); // throws before any output exists
    const shell = await shellBuilder.build({ options: plan.options, geometry: plan.geometry, facts: plan.facts });
    await writeChunks(args.output, svgChunks(plan, shell));
  },
};

function flameOptions(args: RenderArgs): Partial<FlameOptions> {
  return {
    title: args.title,
    subtitle: args.subtitle,
    width: args.width,
    frameHeight: args.height,
    minWidth: args.minwidth === undefined ? undefined : parseMinWidth(args.minwidth),
    fontType: args.fonttype,
    fontSize: args.fontsize,
    fontWidth: args.fontwidth,
    countName: args.countname,
    nameType: args.nametype,
    colors: args.colors as PaletteName | undefined,
    hash: args.hash,
    inverted: args.inverted,
    reverse: args.reverse,
    notes: args.notes,
    total: args.total,
  };
}

async function readInput(input: string, decode: (bytes: Uint8Array) => string): Promise<{ text: string; source: string }> {
  // yargs 18 hands a positional `-` over as an empty string (it parses it as a flag without a name).
  if (input === '-' || input === '') {
    const parts: Buffer[] = [];
    for await (const part of process.stdin) parts.push(part as Buffer);
    return { text: decode(Buffer.concat(parts)), source: 'standard input' };
  }
  try {
    return { text: decode(await readFile(input)), source: input };
  } catch (err) {
    throw fileError(err, input) ?? err;
  }
}

async function writeChunks(path: string | undefined, chunks: Iterable<string>): Promise<void> {
  const out = path === undefined ? process.stdout : createWriteStream(path);
  try {
    if (path !== undefined) await once(out, 'open');
    for (const chunk of chunks) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    if (path !== undefined) {
      out.end();
      await once(out, 'finish');
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (path === undefined && code === 'EPIPE') return; // the reader went away (`| head`): stop quietly
    if (path === undefined || code === undefined) throw err;
    throw new UserError('usage', `Cannot write ${path} (${code}); check that its directory exists and is writable.`);
  }
}
