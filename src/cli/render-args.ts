import type { Options } from 'yargs';
import { parseMinWidth, type FlameOptions, PALETTE_NAMES, type PaletteName } from '../flame/options.js';

/** The renderer's options as the CLI takes them, with flamegraph.pl's names. */
export interface RenderOptionArgs {
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

/** yargs definitions of the renderer's options, shared by `render` and the flame graph of a core. */
export const renderOptions: Record<keyof RenderOptionArgs, Options> = {
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
};

/** The renderer's options from the CLI's arguments; undefined ones keep their defaults. */
export function flameOptions(args: RenderOptionArgs): Partial<FlameOptions> {
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
