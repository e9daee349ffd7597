import type { Argv } from 'yargs';
import { compressionOf, decompressCore } from '../core/compressed-core.js';
import { GoProcess } from '../goruntime/process/go-process.js';

/** The input of every command that reads a core with its binary. */
export interface CoreInputArgs {
  core: string;
  binary: string;
  force: boolean;
}

/** Arguments of the report commands (info, goroutines, top). */
export interface CoreArgs extends CoreInputArgs {
  json: boolean;
}

/** `<core> <binary> [--force]`. */
export function coreInput(yargs: Argv<object>): Argv<CoreInputArgs> {
  return yargs
    .positional('core', { type: 'string', demandOption: true, describe: 'Core dump of the Go program (gcore PID, or a crash with ulimit -c unlimited)' })
    .positional('binary', { type: 'string', demandOption: true, describe: 'The executable that was running (the exact build; stripped is fine)' })
    .options({
      force: { type: 'boolean', default: false, describe: 'Read a core whose binary does not match, or that is truncated' },
    }) as unknown as Argv<CoreInputArgs>;
}

/** `<core> <binary> [--json] [--force]`, shared by the report commands. */
export function coreArgs(yargs: Argv<object>): Argv<CoreArgs> {
  return coreInput(yargs).options({
    json: { type: 'boolean', default: false, describe: 'Print JSON instead of text' },
  }) as unknown as Argv<CoreArgs>;
}

/**
 * Opens the core with its binary. A core compressed with zstd or gzip (told by its first bytes) is
 * decompressed first, into a temporary sparse file removed when the process exits.
 */
export async function openCore(args: CoreInputArgs, phase: (name: string) => void = () => undefined): Promise<GoProcess> {
  const compression = compressionOf(args.core);
  let core = args.core;
  if (compression) {
    phase(`decompressing the core (${compression})`);
    core = await decompressCore(args.core, compression, args.force);
  }
  return GoProcess.open(core, args.binary, { force: args.force });
}
