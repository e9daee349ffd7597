/**
 * Errors meant for people: one sentence saying what is wrong and how to fix it, and a kind that
 * says which sort of problem it is (the command line gives each kind its own exit code, in its
 * exit-codes.ts). Anything else that escapes is a bug in goheapflame.
 */
export const errorKinds = [
  /** The command line is wrong. */
  'usage',
  /** A file cannot be read at all (missing, a directory, no permission). */
  'unreadableInput',
  /** A file reads, but what it holds is damaged or inconsistent. */
  'badInputData',
  /** The core argument is an ELF file but not a core dump. */
  'notACore',
  /** The binary is not the one that produced the core. */
  'binaryMismatch',
  /** A Go release, architecture or build goheapflame does not read. */
  'unsupported',
  /** The core is shorter than its headers say. */
  'truncatedCore',
  /** The binary is not a Go program. */
  'notGo',
  /** A file is not ELF at all. */
  'notElf',
  /** A program goheapflame runs is not installed (gdb's gcore, for --pid). */
  'missingTool',
  /** A live process cannot be dumped (no such process, no permission to attach). */
  'cannotDump',
] as const;

export type ErrorKind = (typeof errorKinds)[number];

export class UserError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
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
