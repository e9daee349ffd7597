import { rmSync } from 'node:fs';

/**
 * Files and directories the process made for itself and must not leave behind: removed when the
 * process exits, on every path (a normal end, an error, Ctrl-C, a kill with SIGTERM or SIGHUP). A
 * signal ends the process with the usual 128 + signal number once they are gone.
 */
const paths = new Set<string>();
let hooked = false;

const signals: ReadonlyArray<[NodeJS.Signals, number]> = [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]];

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
