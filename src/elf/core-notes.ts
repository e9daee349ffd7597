import { UserError } from '../errors.js';
import type { Note } from './notes.js';
import { u64 } from '../util/bytes.js';

/** Note types of a Linux core (name "CORE" or "LINUX"). */
export const NT_PRSTATUS = 1;
export const NT_PRPSINFO = 3;
export const NT_AUXV = 6;
export const NT_SIGINFO = 0x53494749;
export const NT_FILE = 0x46494c45;

/** Auxiliary vector keys goheapflame uses. */
export const AT_PHDR = 3;
export const AT_PAGESZ = 6;
export const AT_ENTRY = 9;

/** amd64 `user_regs_struct`, in the kernel's order (the layout of `elf_gregset_t`). */
export const REGISTER_NAMES = [
  'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi',
  'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs',
] as const;

export type RegisterName = (typeof REGISTER_NAMES)[number];

/**
 * Register values as numbers: exact below 2^53, which covers every user-space address; other
 * values (e.g. -1 in rax) are rounded. `words` keeps the exact 64-bit values in kernel order.
 */
export type Registers = Record<RegisterName, number> & { words: BigUint64Array };

export interface PrStatus {
  /** The thread id (pr_pid is the tid of the dumped thread). */
  pid: number;
  ppid: number;
  /** The signal being delivered when the core was made; non-zero on the crashing thread. */
  cursig: number;
  registers: Registers;
}

export interface FileMapping {
  start: number;
  end: number;
  /** Offset of `start` in the file, in bytes. */
  fileOffset: number;
  path: string;
}

export interface SigInfo {
  signo: number;
  errno: number;
  code: number;
  /** si_addr: the faulting address for SIGSEGV/SIGBUS, 0 otherwise meaningless. */
  addr: number;
}

export interface PrPsInfo {
  pid: number;
  /** The executable's name, at most 15 characters. */
  fname: string;
  /** The first 80 bytes of the command line. */
  psargs: string;
}

export interface CoreNotes {
  threads: PrStatus[];
  files: FileMapping[];
  /** Auxiliary vector entries in order, without the AT_NULL terminator. */
  auxv: Map<number, number>;
  siginfo?: SigInfo;
  prpsinfo?: PrPsInfo;
}

const PRSTATUS_REG_OFFSET = 112;
const PRSTATUS_MIN_SIZE = PRSTATUS_REG_OFFSET + REGISTER_NAMES.length * 8;

function tooShort(what: string, length: number): UserError {
  return new UserError('badInputData', `the core's ${what} note is ${length} bytes, too short for linux/amd64; the core is corrupt or not from linux/amd64.`);
}

/** amd64 `struct elf_prstatus`. */
export function parsePrStatus(desc: Buffer): PrStatus {
  if (desc.length < PRSTATUS_MIN_SIZE) throw tooShort('NT_PRSTATUS', desc.length);
  const words = new BigUint64Array(REGISTER_NAMES.length);
  const registers = { words } as Registers;
  REGISTER_NAMES.forEach((name, i) => {
    const at = PRSTATUS_REG_OFFSET + i * 8;
    words[i] = desc.readBigUInt64LE(at);
    registers[name] = u64(desc, at);
  });
  return { cursig: desc.readInt16LE(12), pid: desc.readInt32LE(32), ppid: desc.readInt32LE(36), registers };
}

/** NT_FILE: count, page size, count × (start, end, page offset), then the NUL-separated paths. */
export function parseFileNote(desc: Buffer): FileMapping[] {
  if (desc.length < 16) throw tooShort('NT_FILE', desc.length);
  const count = u64(desc, 0);
  const offsetUnit = u64(desc, 8); // file offsets are in pages of this size
  const namesAt = 16 + count * 24;
  if (namesAt > desc.length) throw tooShort('NT_FILE', desc.length);
  const paths = desc.toString('utf8', namesAt).split('\0');
  const files: FileMapping[] = [];
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 24;
    files.push({ start: u64(desc, at), end: u64(desc, at + 8), fileOffset: u64(desc, at + 16) * offsetUnit, path: paths[i] ?? '' });
  }
  return files;
}

/** NT_AUXV: (key, value) u64 pairs up to AT_NULL. */
export function parseAuxv(desc: Buffer): Map<number, number> {
  const auxv = new Map<number, number>();
  for (let at = 0; at + 16 <= desc.length; at += 16) {
    const key = u64(desc, at);
    if (key === 0) break;
    auxv.set(key, u64(desc, at + 8));
  }
  return auxv;
}

/** NT_SIGINFO: the kernel's `siginfo_t` (signo, errno, code, then the union). */
export function parseSigInfo(desc: Buffer): SigInfo {
  if (desc.length < 24) throw tooShort('NT_SIGINFO', desc.length);
  return { signo: desc.readInt32LE(0), errno: desc.readInt32LE(4), code: desc.readInt32LE(8), addr: u64(desc, 16) };
}

/** amd64 `struct elf_prpsinfo`. */
export function parsePrPsInfo(desc: Buffer): PrPsInfo {
  if (desc.length < 136) throw tooShort('NT_PRPSINFO', desc.length);
  const text = (from: number, to: number) => {
    const end = desc.indexOf(0, from);
    return desc.toString('utf8', from, end >= 0 && end < to ? end : to);
  };
  return { pid: desc.readInt32LE(24), fname: text(40, 56), psargs: text(56, 136).trimEnd() };
}

/** Decodes the notes of a core; threads keep the order of the core (the crashing thread first). */
export function decodeCoreNotes(notes: Note[]): CoreNotes {
  const result: CoreNotes = { threads: [], files: [], auxv: new Map() };
  for (const note of notes) {
    if (note.name !== 'CORE' && note.name !== 'LINUX') continue;
    switch (note.type) {
      case NT_PRSTATUS:
        if (note.name === 'CORE') result.threads.push(parsePrStatus(note.desc));
        break;
      case NT_PRPSINFO:
        result.prpsinfo ??= parsePrPsInfo(note.desc);
        break;
      case NT_AUXV:
        if (result.auxv.size === 0) result.auxv = parseAuxv(note.desc);
        break;
      case NT_SIGINFO:
        result.siginfo ??= parseSigInfo(note.desc);
        break;
      case NT_FILE:
        if (result.files.length === 0) result.files = parseFileNote(note.desc);
        break;
    }
  }
  return result;
}
