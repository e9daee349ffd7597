import { parentPort } from 'node:worker_threads';
import { buildShell, type ShellRequest } from './svg-document.js';

/**
 * Worker-thread entry: loads svg.js and svgdom (with fontkit, the slowest import of the CLI) as
 * soon as it starts, then builds the one shell it is asked for and exits. See parallel-shell.ts.
 */
parentPort!.once('message', (request: ShellRequest) => {
  parentPort!.postMessage(buildShell(request.options, request.geometry, request.facts));
});
