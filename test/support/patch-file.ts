/** Damaged copies of cores and binaries for tests: bytes written over a copy, placed by file offset or by address. */
import { closeSync, copyFileSync, openSync, writeSync } from 'node:fs';
import { ElfFile, PT_LOAD } from '../../src/elf/elf-file.js';

export interface Patch {
  offset: number;
  bytes: Buffer;
}

/** Writes a copy of `file` to `out` with the patches written over it; returns `out`. */
export function patchedCopy(file: string, out: string, patches: readonly Patch[]): string {
  copyFileSync(file, out);
  const fd = openSync(out, 'r+');
  for (const p of patches) writeSync(fd, p.bytes, 0, p.bytes.length, p.offset);
  closeSync(fd);
  return out;
}

/** Where the core file holds the `length` bytes at virtual address `addr`. */
export function coreFileOffset(core: string, addr: number, length = 1): number {
  const elf = ElfFile.open(core);
  const load = elf.programHeaders.find((p) => p.type === PT_LOAD && p.vaddr <= addr && addr + length <= p.vaddr + p.filesz);
  elf.close();
  if (!load) throw new Error(`0x${addr.toString(16)} is not in the core's file`);
  return load.offset + addr - load.vaddr;
}
