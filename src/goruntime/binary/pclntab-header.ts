import type { AddressSpace } from '../../core/address-space.js';
import type { ElfFile } from '../../elf/elf-file.js';
import { PF_W, PT_LOAD } from '../../elf/elf-file.js';
import { goStruct } from '../layout/go-struct.js';

/**
 * runtime.pcHeader: the start of the pclntab. The table offsets are relative to the header;
 * textStart is written as 0 from Go 1.26 (moduledata.text is authoritative).
 */
export const pcHeaderLayout = goStruct([
  ['magic', 'u32'], ['pad1', 'u8'], ['pad2', 'u8'], ['minLC', 'u8'], ['ptrSize', 'u8'], ['nfunc', 'int'],
  ['nfiles', 'uintptr'], ['textStart', 'uintptr'], ['funcnameOffset', 'uintptr'], ['cuOffset', 'uintptr'],
  ['filetabOffset', 'uintptr'], ['pctabOffset', 'uintptr'], ['pclnOffset', 'uintptr'],
]);

/** internal/abi.Go120PCLnTabMagic: the pclntab format of Go 1.20 and later. */
export const PCLN_MAGIC_GO120 = 0xfffffff1;

const olderMagics: Record<number, string> = {
  0xfffffff0: '1.18 or 1.19',
  0xfffffffa: '1.16 or 1.17',
  0xfffffffb: '1.2 to 1.15',
};

/** The Go releases that wrote a pclntab with this magic. */
export function pclnMagicRelease(magic: number): string {
  return magic === PCLN_MAGIC_GO120 ? '1.20 or later' : (olderMagics[magic] ?? 'an unknown release');
}

function isPclnMagic(magic: number): boolean {
  return magic === PCLN_MAGIC_GO120 || magic in olderMagics;
}

/** pad1 = pad2 = 0, minLC = 1 (amd64 PC quantum), ptrSize = 8: the four bytes after the magic. */
const headerTail = 0x08010000;
const sectionNames = ['.gopclntab', '.data.rel.ro.gopclntab'];
const scanChunk = 1 << 20;

/**
 * Address (load bias applied) and magic of runtime.pcheader: the `.gopclntab` section (named
 * `.data.rel.ro.gopclntab` in PIE builds before 1.26), else the first magic followed by the amd64
 * header bytes in a read-only loadable segment.
 */
export function findPclntabAddress(elf: ElfFile, mem: AddressSpace, loadBias: number): { addr: number; magic: number } | undefined {
  for (const name of sectionNames) {
    const s = elf.section(name);
    if (s && s.size >= 8 && mem.isMapped(s.addr + loadBias, 8)) {
      const magic = mem.readU32(s.addr + loadBias);
      if (isPclnMagic(magic)) return { addr: s.addr + loadBias, magic };
    }
  }
  for (const seg of elf.programHeaders) {
    if (seg.type !== PT_LOAD || seg.flags & PF_W || seg.filesz < 8) continue;
    for (let off = 0; off < seg.filesz; off += scanChunk) {
      const chunk = elf.readChecked(seg.offset + off, Math.min(scanChunk + 8, seg.filesz - off), 'read-only segment');
      const skew = (4 - ((seg.vaddr + off) % 4)) % 4;
      for (let i = skew; i + 8 <= chunk.length && i < scanChunk; i += 4) {
        if (chunk.readUInt32LE(i + 4) !== headerTail) continue;
        const magic = chunk.readUInt32LE(i);
        if (isPclnMagic(magic)) return { addr: seg.vaddr + off + i + loadBias, magic };
      }
    }
  }
  return undefined;
}
