import { Worker } from 'node:worker_threads';
import type { SvgShell, ShellRequest } from './svg-document.js';

/**
 * Starts loading the SVG shell builder in a worker thread, so that its imports overlap with
 * parsing and layout on the main thread; `build` then asks it for the shell. The worker is unref'd:
 * if the caller fails before asking, the process still exits.
 */
export function startShellWorker(): { build(request: ShellRequest): Promise<SvgShell> } {
  const worker = new Worker(new URL('./shell-worker.js', import.meta.url));
  const reply = new Promise<SvgShell>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  worker.unref(); // after the listeners, which ref it
  reply.catch(() => undefined); // observed by `build`; never an unhandled rejection
  return {
    build(request) {
      worker.ref();
      worker.postMessage(request);
      return reply;
    },
  };
}
