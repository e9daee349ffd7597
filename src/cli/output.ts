import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { UserError } from '../errors.js';

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
    throw new UserError('usage', `Cannot write ${path} (${code}); check that its directory exists and is writable.`);
  }
}
