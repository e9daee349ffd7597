import type { ErrorKind } from '../errors.js';

/** The process exit code of each outcome: 0 and 1 for success and bugs, one code per kind of UserError. */
export const ExitCode: Readonly<Record<'ok' | 'internal' | ErrorKind, number>> = {
  ok: 0,
  internal: 1,
  usage: 2,
  unreadableInput: 3,
  badInputData: 4,
  notACore: 5,
  binaryMismatch: 6,
  unsupported: 7,
  truncatedCore: 8,
  notGo: 9,
  notElf: 10,
  missingTool: 11,
  cannotDump: 12,
};
