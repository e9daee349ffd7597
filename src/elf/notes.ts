/** One ELF note: a (name, type) tag and its descriptor bytes. */
export interface Note {
  name: string;
  type: number;
  desc: Buffer;
  /** File offset of the descriptor, for diagnostics. */
  descOffset: number;
}

/** The Go build ID from a list of notes (note "Go", type 4), as `go tool buildid` prints it. */
export function goBuildIdNote(notes: readonly Note[]): string | undefined {
  const note = notes.find((n) => n.name === 'Go' && n.type === 4);
  return note ? note.desc.toString('latin1').replace(/\0+$/, '') : undefined;
}

/**
 * Splits a note area (a PT_NOTE segment or SHT_NOTE section) into notes. `align` is the area's
 * alignment: 8 for GNU property notes, otherwise 4 (ELF64 Linux notes are 4-aligned). A note that
 * runs past the end of the area ends the walk; what was read before it is kept.
 */
export function parseNotes(area: Buffer, areaOffset: number, align: number): Note[] {
  const pad = align === 8 ? 8 : 4;
  const up = (n: number) => Math.ceil(n / pad) * pad;
  const notes: Note[] = [];
  let at = 0;
  while (at + 12 <= area.length) {
    const namesz = area.readUInt32LE(at);
    const descsz = area.readUInt32LE(at + 4);
    const type = area.readUInt32LE(at + 8);
    const nameAt = at + 12;
    const descAt = nameAt + up(namesz);
    if (descAt + descsz > area.length) break;
    // The name is NUL-terminated inside namesz.
    const nameEnd = area.indexOf(0, nameAt);
    const name = area.toString('latin1', nameAt, nameEnd >= 0 && nameEnd < nameAt + namesz ? nameEnd : nameAt + namesz);
    notes.push({ name, type, desc: area.subarray(descAt, descAt + descsz), descOffset: areaOffset + descAt });
    at = descAt + up(descsz);
  }
  return notes;
}
