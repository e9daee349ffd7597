import { accessSync, constants, createWriteStream, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { UserError } from '../errors.js';

/**
 * Refuses, before any work, an output path that cannot be written: a directory, a file without
 * write permission, or a path whose directory is missing or read-only. Standard output always passes.
 */
export function checkWritable(path: string | undefined): void {
  if (path === undefined) return;
  const code = (() => {
    try {
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) return 'EISDIR';
      const target = stat ? path : dirname(path);
      if (!stat && !statSync(target, { throwIfNoEntry: false })?.isDirectory()) return 'ENOENT';
      accessSync(target, constants.W_OK);
      return undefined;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? 'EACCES';
    }
  })();
  if (code) throw cannotWrite(path, code);
}

/**
 * Writes chunks to a file, or to standard output when `path` is undefined, waiting whenever the
 * stream is full. A reader that goes away (`| head`) ends the output quietly.
 */
export async function writeOutput(path: string | undefined, chunks: Iterable<string | Uint8Array>): Promise<void> {
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
    if (path === undefined && code === 'EPIPE') return;
    if (path === undefined || code === undefined) throw err;
    throw cannotWrite(path, code);
  }
}

function cannotWrite(path: string, code: string): UserError {
  return new UserError('usage', `Cannot write ${path} (${code}); check that its directory exists and is writable.`);
}
