/**
 * Errors meant for people: one sentence saying what is wrong and how to fix it, and a distinct exit
 * code per kind so scripts can tell them apart. Anything else that escapes is a bug in goheapflame.
 */
export const ExitCode = {
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
} as const;

export type ExitCodeName = keyof typeof ExitCode;

export class UserError extends Error {
  readonly exitCode: number;
  constructor(kind: ExitCodeName, message: string) {
    super(message);
    this.name = 'UserError';
    this.exitCode = ExitCode[kind];
  }
}

/** Maps a Node file-system error on `path` to a UserError; returns undefined for anything else. */
export function fileError(err: unknown, path: string): UserError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new UserError('unreadableInput', `${path}: no such file; check the path.`);
    case 'EACCES':
    case 'EPERM':
      return new UserError('unreadableInput', `${path}: permission denied; run as a user who can read it.`);
    case 'EISDIR':
      return new UserError('unreadableInput', `${path} is a directory; give a file.`);
    default:
      return undefined;
  }
}
