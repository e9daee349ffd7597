import { UserError } from '../errors.js';
import { AT_ENTRY, type CoreNotes, type FileMapping, type PrPsInfo, type PrStatus, type SigInfo, decodeCoreNotes } from '../elf/core-notes.js';
import { ET_CORE, ET_DYN, ET_EXEC, ElfFile, PT_LOAD, PT_NOTE, type ProgramHeader } from '../elf/elf-file.js';
import { goBuildIdNote, parseNotes } from '../elf/notes.js';
import { hex } from '../util/bytes.js';
import { executableSegments } from './executable-image.js';
import { SegmentedImage } from './segmented-image.js';
import { type Mapping, type Segment, overlay, permsFromFlags, sortedLayer } from './segments.js';

/** One thread of the dumped process, from its NT_PRSTATUS note; `pid` is the thread id. */
export type Thread = PrStatus;

export interface ProcessImageOptions {
  /** Go on with a truncated core, treating the lost bytes as missing, instead of refusing it. */
  force?: boolean;
  /** What to call the core in messages, when it is read from elsewhere (a decompressed copy). */
  coreName?: string;
}

/** Where the bytes of the address space come from, for `info`. */
export interface MemorySummary {
  fromCore: number;
  fromExecutable: number;
  fromFiles: number;
  zeroFilled: number;
  missing: number;
}

const ELF_TYPE_NAMES: Record<number, string> = { 1: 'a relocatable object', [ET_EXEC]: 'an executable', [ET_DYN]: 'a PIE executable or shared library' };

/** No core holds more than this: amd64 user space is 2^47 bytes, and a core is about as large. */
const maxCoreBytes = 2 ** 48;

/**
 * The memory of a dumped Linux/amd64 process as one address space, built in layers (upper wins):
 *   1. the core's PT_LOAD bytes (a truncated tail is missing, not zero);
 *   2. NT_FILE mappings of the executable, read from the executable (the kernel does not dump
 *      unmodified file pages, e.g. .text and .rodata);
 *   3. the executable's own PT_LOAD segments at the load bias (for cores without NT_FILE);
 *   4. NT_FILE mappings of other files (libc, ld.so): missing, we do not have those files;
 *   5. the rest of each core PT_LOAD (p_filesz < p_memsz): zeros.
 */
export class ProcessImage extends SegmentedImage {
  readonly threads: Thread[];
  readonly mappings: Mapping[];
  readonly loadBias: number;
  readonly auxv: Map<number, number>;
  readonly siginfo?: SigInfo;
  readonly prpsinfo?: PrPsInfo;
  /** The core's NT_FILE entries: every file-backed mapping of the process. */
  readonly files: FileMapping[];
  /** The executable's path as the dumped process saw it (NT_FILE entry holding AT_ENTRY). */
  readonly exePathInCore?: string;
  /** Bytes the core's headers promise that the file does not have (0 for a complete core). */
  readonly truncatedBytes: number;
  /** Things people should know that do not stop the analysis. */
  readonly warnings: string[];

  private constructor(
    readonly core: ElfFile,
    readonly exe: ElfFile,
    notes: CoreNotes,
    loadBias: number,
    truncatedBytes: number,
    warnings: string[],
    /** What the core is called in messages and reports: its path, or the file a decompressed copy came from. */
    readonly coreName: string,
  ) {
    const exePathInCore = notes.files.find((f) => {
      const entry = notes.auxv.get(AT_ENTRY);
      return entry !== undefined && f.start <= entry && entry < f.end;
    })?.path;
    super(buildSegments(core, exe, notes, loadBias, exePathInCore));
    this.threads = notes.threads;
    this.auxv = notes.auxv;
    this.siginfo = notes.siginfo;
    this.prpsinfo = notes.prpsinfo;
    this.files = notes.files;
    this.exePathInCore = exePathInCore;
    this.loadBias = loadBias;
    this.truncatedBytes = truncatedBytes;
    this.warnings = warnings;
    this.mappings = this.segments.map(({ start, end, perms, source, path }) => (path === undefined ? { start, end, perms, source } : { start, end, perms, source, path }));
  }

  static open(corePath: string, exePath: string, options: ProcessImageOptions = {}): ProcessImage {
    const core = ElfFile.open(corePath);
    const name = options.coreName ?? corePath;
    let exe: ElfFile | undefined;
    try {
      if (core.header.type !== ET_CORE) throw notACore(core, exePath);
      exe = ElfFile.open(exePath);
      checkExecutable(exe);
      const warnings: string[] = [];
      const implied = core.impliedSize();
      // amd64 user space is 2^47 bytes: a core whose headers reach past 2^48 is damaged, not cut short.
      if (implied > maxCoreBytes) {
        throw new UserError('badInputData', `${name} is damaged: its headers place data ${hex(implied)} bytes in, past what any core can hold; give an undamaged core.`);
      }
      const truncatedBytes = Math.max(0, implied - core.size);
      if (truncatedBytes > 0) {
        const detail = `${name} is truncated: ${truncatedBytes} bytes are missing (the file has ${core.size} of ${implied} bytes)`;
        if (!options.force) {
          throw new UserError('truncatedCore', `${detail}; dump it again (the disk may have been full, or ulimit -c too small), or pass --force to read what is there.`);
        }
        warnings.push(`${detail}; memory in the lost part is reported as missing.`);
      }
      const notes = decodeCoreNotes(core.notes());
      if (notes.threads.length === 0) warnings.push(`${name} has no thread notes (NT_PRSTATUS); registers and running goroutines are unknown.`);
      const loadBias = computeLoadBias(exe, notes, warnings);
      return new ProcessImage(core, exe, notes, loadBias, truncatedBytes, warnings, name);
    } catch (err) {
      core.close();
      exe?.close();
      throw err;
    }
  }

  /** Bytes of the address space by where they come from. */
  summary(): MemorySummary {
    const t = this.bytesBySource();
    return { fromCore: t.core, fromExecutable: t.executable, fromFiles: t.file, zeroFilled: t.zero, missing: t.missing };
  }

  /**
   * The Go build ID of the executable that was running, read from the core's own copy of the
   * executable's note segment; undefined when the core did not dump those bytes. Compare it with
   * `exe.goBuildId()` to tell whether the right binary was given.
   */
  exeBuildIdInCore(): string | undefined {
    for (const p of this.exe.programHeaders) {
      if (p.type !== PT_NOTE || p.filesz === 0) continue;
      const addr = p.vaddr + this.loadBias;
      if (!this.dumpedInCore(addr, p.filesz)) continue;
      const id = goBuildIdNote(parseNotes(this.read(addr, p.filesz), addr, p.align));
      if (id !== undefined) return id;
    }
    return undefined;
  }

  close(): void {
    this.core.close();
    this.exe.close();
  }

  /** True when every byte of the range comes from the core file itself. */
  private dumpedInCore(addr: number, length: number): boolean {
    // A damaged header's address may be past 2^53, where addr + length rounds back to addr.
    if (!Number.isSafeInteger(addr + length) || length <= 0) return false;
    for (let at = addr; at < addr + length; ) {
      const seg = this.segmentAt(at);
      if (!seg || seg.source !== 'core') return false;
      at = seg.end;
    }
    return true;
  }
}

function notACore(file: ElfFile, otherPath: string): UserError {
  const what = ELF_TYPE_NAMES[file.header.type] ?? `an ELF file of type ${file.header.type}`;
  let otherIsCore = false;
  try {
    const other = ElfFile.open(otherPath);
    otherIsCore = other.header.type === ET_CORE;
    other.close();
  } catch {
    // The second file is checked on its own later; here it only tells whether the two were swapped.
  }
  return otherIsCore
    ? new UserError('notACore', `${file.path} is ${what}, not a core; give the core first and the binary second.`)
    : new UserError('notACore', `${file.path} is ${what}, not a core dump; give a core made by gcore or by a crash with ulimit -c unlimited.`);
}

function checkExecutable(exe: ElfFile): void {
  const type = exe.header.type;
  if (type === ET_CORE) throw new UserError('usage', `${exe.path} is a core dump, not an executable; give the Go binary that produced the core as the second file.`);
  if (type !== ET_EXEC && type !== ET_DYN) {
    throw new UserError('badInputData', `${exe.path} is ${ELF_TYPE_NAMES[type] ?? `an ELF file of type ${type}`}, not an executable; give the Go binary that produced the core.`);
  }
}

/** PIE load bias: where the kernel put the entry point (AT_ENTRY) minus where the file says it is. */
function computeLoadBias(exe: ElfFile, notes: CoreNotes, warnings: string[]): number {
  const atEntry = notes.auxv.get(AT_ENTRY);
  if (atEntry === undefined) {
    if (exe.header.type === ET_DYN) warnings.push('the core has no auxiliary vector (NT_AUXV), so the PIE load bias is unknown; assuming 0.');
    return 0;
  }
  const bias = atEntry - exe.header.entry;
  if (exe.header.type === ET_EXEC && bias !== 0) {
    warnings.push(`the process entered at ${hex(atEntry)} but ${exe.path} starts at ${hex(exe.header.entry)}; the binary does not match the core.`);
    return 0;
  }
  if (bias % 4096 !== 0) {
    warnings.push(`the PIE load bias ${hex(bias)} is not page-aligned; the binary does not match the core.`);
  }
  return bias;
}

/** Core PT_LOADs that describe user space; the vsyscall page lies above 2^53 and is skipped. */
function userLoads(core: ElfFile): ProgramHeader[] {
  return core.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0 && p.vaddr + p.memsz <= Number.MAX_SAFE_INTEGER);
}

function buildSegments(core: ElfFile, exe: ElfFile, notes: CoreNotes, loadBias: number, exePathInCore: string | undefined): Segment[] {
  const loads = userLoads(core);
  const coreData: Segment[] = [];
  const zeroTails: Segment[] = [];
  for (const p of loads) {
    const perms = permsFromFlags(p.flags);
    const filesz = Math.min(p.filesz, p.memsz);
    const present = Math.max(0, Math.min(filesz, core.size - p.offset));
    const end = p.vaddr + p.memsz;
    coreData.push({ start: p.vaddr, end: p.vaddr + present, perms, source: 'core', file: core.file, fileOffset: p.offset });
    coreData.push({ start: p.vaddr + present, end: p.vaddr + filesz, perms, source: 'missing', fileOffset: 0 });
    zeroTails.push({ start: p.vaddr + filesz, end, perms, source: 'zero', fileOffset: 0 });
  }

  // NT_FILE has no permissions; take them from the core segment of the same mapping.
  const loadsByStart = new Map(loads.map((p) => [p.vaddr, permsFromFlags(p.flags)]));
  const exeFiles: Segment[] = [];
  const otherFiles: Segment[] = [];
  for (const f of notes.files) {
    const perms = loadsByStart.get(f.start) ?? 'r--';
    if (exePathInCore !== undefined && f.path === exePathInCore) {
      const inFile = Math.max(0, Math.min(f.end - f.start, exe.size - f.fileOffset));
      exeFiles.push({ start: f.start, end: f.start + inFile, perms, source: 'executable', path: exe.path, file: exe.file, fileOffset: f.fileOffset });
      exeFiles.push({ start: f.start + inFile, end: f.end, perms, source: 'missing', path: f.path, fileOffset: 0 });
    } else {
      otherFiles.push({ start: f.start, end: f.end, perms, source: 'missing', path: f.path, fileOffset: 0 });
    }
  }

  const layersBottomUp = [zeroTails, otherFiles, executableSegments(exe, loadBias), exeFiles, coreData];
  return layersBottomUp.map(sortedLayer).reduce((lower, upper) => overlay(lower, upper));
}
