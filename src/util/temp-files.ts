import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Files and directories the process made for itself and must not leave behind: removed when the
 * process exits, on every path (a normal end, an error, Ctrl-C, a kill with SIGTERM or SIGHUP). A
 * signal ends the process with the usual 128 + signal number once they are gone.
 */
const paths = new Set<string>();
let hooked = false;

const signals: ReadonlyArray<[NodeJS.Signals, number]> = [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]];

/** A new directory in $TMPDIR, removed with what it holds when the process exits. */
export function makeTempDir(): string {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'goheapflame-'));
  } catch (err) {
    throw unwritableTemp(err);
  }
  removeOnExit(dir);
  return dir;
}

/** The error for a temporary file that cannot be made or written (no such directory, no room, no permission). */
export function unwritableTemp(err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
  return new UserError('usage', `Cannot write a temporary file in ${tmpdir()} (${code}); set TMPDIR to a writable directory with room for the core's data.`);
}

/** Removes `path` (recursively) when the process exits. */
export function removeOnExit(path: string): void {
  paths.add(path);
  if (hooked) return;
  hooked = true;
  process.on('exit', removeAll);
  for (const [signal, number] of signals) {
    process.once(signal, () => {
      removeAll();
      process.exit(128 + number);
    });
  }
}

function removeAll(): void {
  for (const path of paths) rmSync(path, { force: true, recursive: true });
  paths.clear();
}
