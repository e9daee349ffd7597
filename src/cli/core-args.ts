import { readlinkSync } from 'node:fs';
import type { Argv } from 'yargs';
import { compressionOf, decompressCore } from '../core/compressed-core.js';
import { UserError } from '../errors.js';
import { GoProcess } from '../goruntime/process/go-process.js';
import { dumpProcess } from './dump-process.js';

/**
 * The input of every command that reads a core with its binary: `CORE BINARY`, or `--pid PID` (the
 * live process, dumped with gcore; its binary is /proc/PID/exe unless one is given as the only
 * positional argument).
 */
export interface CoreInputArgs {
  core?: string;
  binary?: string;
  pid?: number;
  'keep-core'?: string;
  force: boolean;
  quiet?: boolean;
}

/** Arguments of the report commands (info, goroutines, top). */
export interface CoreArgs extends CoreInputArgs {
  json: boolean;
}

/** `<core> <binary>` or `--pid PID [binary]`, with `--force`. */
export function coreInput(yargs: Argv<object>): Argv<CoreInputArgs> {
  return yargs
    .positional('core', { type: 'string', describe: 'Core dump of the Go program (gcore PID, or a crash with ulimit -c unlimited; zstd or gzip too)' })
    .positional('binary', { type: 'string', describe: 'The executable that was running (the exact build; stripped is fine)' })
    .options({
      pid: { type: 'number', describe: 'Dump this live process with gdb\'s gcore and read it (its binary: /proc/PID/exe, or the one argument given)' },
      'keep-core': { type: 'string', describe: 'With --pid: write the core here and keep it (default: a temporary file, removed)' },
      force: { type: 'boolean', default: false, describe: 'Read a core whose binary does not match, or that is truncated' },
    })
    .check((args) => {
      // yargs still checks the arguments after printing --help (it does not exit): nothing to check then.
      if (args.help) return true;
      if (args.pid !== undefined) {
        if (args.binary !== undefined) throw usage('With --pid, give at most one file, the binary (default /proc/PID/exe)');
        return true;
      }
      if (args['keep-core'] !== undefined) throw usage('--keep-core goes with --pid');
      if (args.core === undefined || args.binary === undefined) throw usage('Give a core and its binary, or --pid PID');
      return true;
    }) as unknown as Argv<CoreInputArgs>;
}

function usage(what: string): UserError {
  return new UserError('usage', `${what}. Run with --help for usage.`);
}

/** `<core> <binary> [--json] [--force]`, shared by the report commands. */
export function coreArgs(yargs: Argv<object>): Argv<CoreArgs> {
  return coreInput(yargs).options({
    json: { type: 'boolean', default: false, describe: 'Print JSON instead of text' },
  }) as unknown as Argv<CoreArgs>;
}

/** An opened core: the process it holds (naming the core as the user knows it), and the binary as the user knows it. */
export interface OpenedCore {
  proc: GoProcess;
  binary: string;
}

/**
 * Opens the core with its binary. With --pid, the process is dumped first. A core compressed with
 * zstd or gzip (told by its first bytes) is decompressed first, into a temporary sparse file; every
 * temporary file is removed when goheapflame exits.
 */
export async function openCore(args: CoreInputArgs, phase: (name: string) => void = () => undefined): Promise<OpenedCore> {
  let core: string;
  let binary: string;
  let named: string;
  let shownBinary: string;
  if (args.pid !== undefined) {
    phase(`dumping process ${args.pid} with gcore`);
    const report = (line: string) => void (args.quiet ? undefined : process.stderr.write(`goheapflame: ${line}\n`));
    core = await dumpProcess(args.pid, args['keep-core'], report);
    // The link opens the very file the process runs, even one replaced or deleted since.
    binary = args.core ?? `/proc/${args.pid}/exe`;
    named = args['keep-core'] ?? `process ${args.pid}`;
    shownBinary = args.core ?? programPath(args.pid);
  } else {
    if (args.core === undefined || args.binary === undefined) throw new UserError('usage', 'Give a core and its binary, or --pid PID.');
    core = named = args.core;
    binary = shownBinary = args.binary;
  }
  const compression = compressionOf(core);
  if (compression) {
    phase(`decompressing the core (${compression})`);
    core = await decompressCore(core, compression, args.force);
  }
  return { proc: GoProcess.open(core, binary, { force: args.force, coreName: named }), binary: shownBinary };
}

/** Where the process's binary was when it started (`/proc/PID/exe` points there, ` (deleted)` if removed since). */
function programPath(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return `/proc/${pid}/exe`;
  }
}
