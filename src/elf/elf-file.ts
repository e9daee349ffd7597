import { inflateSync } from 'node:zlib';
import { UserError } from '../errors.js';
import { PositionedFile } from '../util/positioned-file.js';
import { goBuildIdNote, type Note, parseNotes } from './notes.js';
import { cString, u64 } from '../util/bytes.js';

export type { Note } from './notes.js';

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;
export const EM_X86_64 = 62;

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_SYMTAB = 2;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHF_COMPRESSED = 0x800;

const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;
const SHN_XINDEX = 0xffff;
const PN_XNUM = 0xffff;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
/** Note areas are small (a core's NT_FILE is at most a few MB); a larger one is corrupt. */
const MAX_NOTE_AREA = 256 << 20;

export interface ElfHeader {
  type: number;
  machine: number;
  entry: number;
  phoff: number;
  shoff: number;
  flags: number;
  phnum: number;
  shnum: number;
  shstrndx: number;
}

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_*: 0 none, 1 object, 2 func, 3 section, 4 file, 6 tls. */
  type: number;
  /** STB_*: 0 local, 1 global, 2 weak. */
  bind: number;
  shndx: number;
}

/** Machine names for the error message when someone gives a non-amd64 file. */
const MACHINE_NAMES: Record<number, string> = {
  3: 'x86 (386)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 's390x',
  40: 'ARM',
  62: 'x86-64',
  183: 'ARM64',
  243: 'RISC-V',
  258: 'LoongArch',
};

/**
 * An ELF64 little-endian x86-64 file (executable, shared object or core), read lazily through
 * positioned reads: only the headers are parsed on open.
 */
export class ElfFile {
  readonly header: ElfHeader;
  readonly programHeaders: ProgramHeader[];
  readonly sections: ElfSection[];
  private cachedNotes?: Note[];
  private cachedSymbols?: ElfSymbol[];
  private symbolsByName?: Map<string, ElfSymbol>;

  private constructor(readonly path: string, readonly file: PositionedFile) {
    this.header = this.readHeader();
    this.programHeaders = this.readProgramHeaders();
    this.sections = this.readSections();
  }

  static open(path: string): ElfFile {
    const file = PositionedFile.open(path);
    try {
      return new ElfFile(path, file);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  get size(): number {
    return this.file.size;
  }

  close(): void {
    this.file.close();
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /**
   * The contents of a section, decompressed if it is SHF_COMPRESSED. SHT_NOBITS sections (.bss)
   * have no file contents and give an empty buffer.
   */
  sectionData(nameOrSection: string | ElfSection): Buffer {
    const section = typeof nameOrSection === 'string' ? this.section(nameOrSection) : nameOrSection;
    if (!section) throw new UserError('badInputData', `${this.path} has no section ${String(nameOrSection)}.`);
    if (section.type === SHT_NOBITS) return Buffer.alloc(0);
    const raw = this.readChecked(section.offset, section.size, `section ${section.name}`);
    return section.flags & SHF_COMPRESSED ? this.decompress(section, raw) : raw;
  }

  /** Notes from PT_NOTE segments and from SHT_NOTE sections that no segment already covers. */
  notes(): Note[] {
    if (this.cachedNotes) return this.cachedNotes;
    const notes: Note[] = [];
    const segments = this.programHeaders.filter((p) => p.type === PT_NOTE && p.filesz > 0);
    for (const p of segments) notes.push(...this.readNoteArea(p.offset, p.filesz, p.align));
    for (const s of this.sections) {
      if (s.type !== SHT_NOTE || s.size === 0) continue;
      const covered = segments.some((p) => s.offset >= p.offset && s.offset + s.size <= p.offset + p.filesz);
      if (!covered) notes.push(...this.readNoteArea(s.offset, s.size, s.addralign));
    }
    this.cachedNotes = notes;
    return notes;
  }

  /** The symbols of .symtab; [] when the binary is stripped. */
  symbols(): ElfSymbol[] {
    if (this.cachedSymbols) return this.cachedSymbols;
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
    this.cachedSymbols = symtab ? this.readSymbols(symtab) : [];
    return this.cachedSymbols;
  }

  /** The first symbol with this name. */
  symbol(name: string): ElfSymbol | undefined {
    if (!this.symbolsByName) {
      this.symbolsByName = new Map();
      for (const sym of this.symbols()) if (!this.symbolsByName.has(sym.name)) this.symbolsByName.set(sym.name, sym);
    }
    return this.symbolsByName.get(name);
  }

  /** The Go build ID (note "Go", type 4), as `go tool buildid` prints it. */
  goBuildId(): string | undefined {
    return goBuildIdNote(this.notes());
  }

  /** The GNU build ID (note "GNU", type 3) in hex, present when linked with -B or an external linker. */
  gnuBuildId(): string | undefined {
    const note = this.notes().find((n) => n.name === 'GNU' && n.type === 3);
    return note ? note.desc.toString('hex') : undefined;
  }

  /** Bytes at a file offset, with an error for people when the file is shorter than its headers say. */
  readChecked(offset: number, length: number, what: string): Buffer {
    if (offset < 0 || length < 0 || offset + length > this.file.size) {
      throw this.truncated(`its ${what} (${length} bytes at offset ${offset}) lies past the end of the file (${this.file.size} bytes)`);
    }
    return this.file.read(offset, length);
  }

  private truncated(detail: string): UserError {
    return this.header?.type === ET_CORE
      ? new UserError('truncatedCore', `${this.path} is a truncated core: ${detail}; dump it again (check free disk space and ulimit -c).`)
      : new UserError('badInputData', `${this.path} is damaged or truncated: ${detail}; give the complete file.`);
  }

  private readHeader(): ElfHeader {
    const size = Math.min(EHDR_SIZE, this.file.size);
    const ident = this.file.read(0, size);
    if (size < 4 || ident.readUInt32BE(0) !== 0x7f454c46) {
      throw new UserError('notElf', `${this.path} is not an ELF file; give a Linux core dump and the Go executable that produced it.`);
    }
    const elfClass = ident[4];
    const data = ident[5];
    if (size < EHDR_SIZE && (elfClass === 2 || size < 20)) {
      throw new UserError('badInputData', `${this.path} is truncated inside its ELF header; give the complete file.`);
    }
    const machine = size >= 20 ? (data === 2 ? ident.readUInt16BE(18) : ident.readUInt16LE(18)) : 0;
    if (elfClass !== 2 || data !== 1 || machine !== EM_X86_64) {
      const what = [
        elfClass === 1 ? '32-bit' : elfClass === 2 ? '64-bit' : `class ${elfClass}`,
        data === 2 ? 'big-endian' : data === 1 ? 'little-endian' : `data encoding ${data}`,
        MACHINE_NAMES[machine] ?? `machine ${machine}`,
      ].join(' ');
      throw new UserError('unsupported', `${this.path} is a ${what} ELF file; goheapflame reads only linux/amd64 (64-bit little-endian x86-64) cores and binaries.`);
    }
    return {
      type: ident.readUInt16LE(16),
      machine,
      entry: u64(ident, 24),
      phoff: u64(ident, 32),
      shoff: u64(ident, 40),
      flags: ident.readUInt32LE(48),
      phnum: ident.readUInt16LE(56),
      shnum: ident.readUInt16LE(60),
      shstrndx: ident.readUInt16LE(62),
    };
  }

  /** Section 0 holds the real counts when they overflow the 16-bit header fields. */
  private sectionZero(): Buffer | undefined {
    const { shoff } = this.header;
    if (shoff === 0 || shoff + SHDR_SIZE > this.file.size) return undefined;
    return this.file.read(shoff, SHDR_SIZE);
  }

  private readProgramHeaders(): ProgramHeader[] {
    const h = this.header;
    let count = h.phnum;
    if (count === PN_XNUM) {
      const s0 = this.sectionZero();
      if (!s0) throw this.truncated('its extended program header count is missing');
      count = s0.readUInt32LE(44); // sh_info
      h.phnum = count;
    }
    if (count === 0) return [];
    const table = this.readChecked(h.phoff, count * PHDR_SIZE, 'program header table');
    const headers: ProgramHeader[] = [];
    for (let i = 0; i < count; i++) {
      const at = i * PHDR_SIZE;
      headers.push({
        type: table.readUInt32LE(at),
        flags: table.readUInt32LE(at + 4),
        offset: u64(table, at + 8),
        vaddr: u64(table, at + 16),
        filesz: u64(table, at + 32),
        memsz: u64(table, at + 40),
        align: u64(table, at + 48),
      });
    }
    return headers;
  }

  private readSections(): ElfSection[] {
    const h = this.header;
    if (h.shoff === 0) return [];
    let count = h.shnum;
    let strndx = h.shstrndx;
    if (count === 0 || strndx === SHN_XINDEX) {
      const s0 = this.sectionZero();
      if (!s0) {
        if (h.type === ET_CORE) return [];
        throw this.truncated('its section header table lies past the end of the file');
      }
      if (count === 0) count = u64(s0, 32); // sh_size
      if (strndx === SHN_XINDEX) strndx = s0.readUInt32LE(40); // sh_link
      h.shnum = count;
      h.shstrndx = strndx;
    }
    if (h.shoff + count * SHDR_SIZE > this.file.size) {
      // gdb writes a core's section table last, so a truncated core loses it; cores do not need it.
      if (h.type === ET_CORE) return [];
      throw this.truncated(`its section header table (${count} entries at offset ${h.shoff}) lies past the end of the file`);
    }
    const table = this.readChecked(h.shoff, count * SHDR_SIZE, 'section header table');
    const sections: ElfSection[] = [];
    const nameOffsets: number[] = [];
    for (let i = 0; i < count; i++) {
      const at = i * SHDR_SIZE;
      nameOffsets.push(table.readUInt32LE(at));
      sections.push({
        name: '',
        type: table.readUInt32LE(at + 4),
        flags: u64(table, at + 8),
        addr: u64(table, at + 16),
        offset: u64(table, at + 24),
        size: u64(table, at + 32),
        link: table.readUInt32LE(at + 40),
        info: table.readUInt32LE(at + 44),
        addralign: u64(table, at + 48),
        entsize: u64(table, at + 56),
      });
    }
    const strtab = sections[strndx];
    if (strtab && strtab.type !== SHT_NOBITS) {
      const names = this.readChecked(strtab.offset, strtab.size, 'section name table');
      sections.forEach((s, i) => (s.name = cString(names, nameOffsets[i]!)));
    }
    return sections;
  }

  private readNoteArea(offset: number, size: number, align: number): Note[] {
    if (size > MAX_NOTE_AREA) {
      throw new UserError('badInputData', `${this.path} has a note area of ${size} bytes, far more than any real one; the file is corrupt.`);
    }
    // A truncated core keeps the notes that survived; the caller reports the truncation.
    const available = this.header.type === ET_CORE ? Math.max(0, Math.min(size, this.file.size - offset)) : size;
    if (available === 0) return [];
    return parseNotes(this.readChecked(offset, available, 'note area'), offset, align);
  }

  /** The file size the headers imply: the end of the furthest segment, section or table. */
  impliedSize(): number {
    const h = this.header;
    let end = Math.max(EHDR_SIZE, h.phoff + h.phnum * PHDR_SIZE);
    for (const p of this.programHeaders) if (p.filesz > 0) end = Math.max(end, p.offset + p.filesz);
    if (h.shoff > 0) end = Math.max(end, h.shoff + h.shnum * SHDR_SIZE);
    for (const s of this.sections) if (s.type !== SHT_NOBITS) end = Math.max(end, s.offset + s.size);
    return end;
  }

  private readSymbols(symtab: ElfSection): ElfSymbol[] {
    const data = this.readChecked(symtab.offset, symtab.size, 'symbol table');
    const strSection = this.sections[symtab.link];
    const strings = strSection ? this.readChecked(strSection.offset, strSection.size, 'symbol name table') : Buffer.alloc(0);
    const symbols: ElfSymbol[] = [];
    // Entry 0 is the reserved null symbol.
    for (let at = SYM_SIZE; at + SYM_SIZE <= data.length; at += SYM_SIZE) {
      const info = data[at + 4]!;
      symbols.push({
        name: cString(strings, data.readUInt32LE(at)),
        type: info & 0xf,
        bind: info >> 4,
        shndx: data.readUInt16LE(at + 6),
        value: u64(data, at + 8),
        size: u64(data, at + 16),
      });
    }
    return symbols;
  }

  private decompress(section: ElfSection, raw: Buffer): Buffer {
    if (raw.length < 24) throw this.truncated(`its compressed section ${section.name} has no compression header`);
    const chType = raw.readUInt32LE(0);
    const chSize = u64(raw, 8);
    if (chType === ELFCOMPRESS_ZSTD) {
      throw new UserError('unsupported', `${this.path}: section ${section.name} is zstd-compressed, which goheapflame cannot read yet; relink with -ldflags=-compressdwarf=false or zlib compression.`);
    }
    if (chType !== ELFCOMPRESS_ZLIB) {
      throw new UserError('badInputData', `${this.path}: section ${section.name} uses unknown compression type ${chType}; the file is corrupt.`);
    }
    let out: Buffer;
    try {
      // maxOutputLength bounds memory by the size the header promises.
      out = inflateSync(raw.subarray(24), { maxOutputLength: Math.max(chSize, 1) });
    } catch (err) {
      throw new UserError('badInputData', `${this.path}: compressed section ${section.name} does not decompress (${(err as Error).message}); the file is corrupt.`);
    }
    if (out.length !== chSize) {
      throw new UserError('badInputData', `${this.path}: compressed section ${section.name} gives ${out.length} bytes, not the ${chSize} its header says; the file is corrupt.`);
    }
    return out;
  }
}
