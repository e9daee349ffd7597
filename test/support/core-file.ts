/**
 * The few bytes of a core file the fixture harness tests check, read straight from the file (not
 * through goheapflame, whose readers those fixtures test): the ELF header and one note.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export const NT_PRSTATUS = 1;
export const NT_PRPSINFO = 3;

function read(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  if (readSync(fd, buf, 0, length, position) !== length) throw new Error(`short read at ${position}`);
  return buf;
}

/** The ELF header's e_type and e_machine, and the descriptor of the first note of `noteType`; throws when there is none. */
export function coreNote(core: string, noteType: number): { type: number; machine: number; desc: Buffer } {
  const fd = openSync(core, 'r');
  try {
    const header = read(fd, 0, 64);
    if (header.subarray(0, 4).toString('latin1') !== '\x7fELF') throw new Error(`${core} is not an ELF file`);
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    for (let i = 0; i < phnum; i++) {
      const ph = read(fd, phoff + i * phentsize, phentsize);
      if (ph.readUInt32LE(0) !== 4 /* PT_NOTE */) continue;
      const notes = read(fd, Number(ph.readBigUInt64LE(8)), Math.min(Number(ph.readBigUInt64LE(32)), 1 << 20));
      for (let at = 0; at + 12 <= notes.length; ) {
        const namesz = notes.readUInt32LE(at);
        const descsz = notes.readUInt32LE(at + 4);
        const desc = at + 12 + Math.ceil(namesz / 4) * 4;
        if (notes.readUInt32LE(at + 8) === noteType) {
          return { type: header.readUInt16LE(16), machine: header.readUInt16LE(18), desc: notes.subarray(desc, desc + descsz) };
        }
        at = desc + Math.ceil(descsz / 4) * 4;
      }
    }
    throw new Error(`${core} has no note of type ${noteType}`);
  } finally {
    closeSync(fd);
  }
}
