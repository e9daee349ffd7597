import { UserError } from '../errors.js';
import { ET_CORE, ElfFile, PT_LOAD } from '../elf/elf-file.js';
import { SegmentedImage } from './segmented-image.js';
import { type Segment, permsFromFlags, sortedLayer } from './segments.js';

/**
 * The segments an executable's PT_LOAD headers describe, moved by `loadBias`: file bytes up to
 * p_filesz, zeros from there to p_memsz (.bss).
 */
export function executableSegments(exe: ElfFile, loadBias: number): Segment[] {
  const segments: Segment[] = [];
  for (const p of exe.programHeaders) {
    if (p.type !== PT_LOAD || p.memsz === 0) continue;
    if (p.offset + p.filesz > exe.size) {
      throw new UserError('badInputData', `${exe.path} is truncated: a loadable segment ends at offset ${p.offset + p.filesz} but the file has ${exe.size} bytes; give the complete executable.`);
    }
    const start = p.vaddr + loadBias;
    const fileEnd = start + Math.min(p.filesz, p.memsz);
    const perms = permsFromFlags(p.flags);
    segments.push({ start, end: fileEnd, perms, source: 'executable', path: exe.path, file: exe.file, fileOffset: p.offset });
    segments.push({ start: fileEnd, end: start + p.memsz, perms, source: 'zero', fileOffset: 0 });
  }
  return sortedLayer(segments);
}

/**
 * The static image of an executable, without a core: what the loader maps from the file. Reads
 * pclntab, moduledata and type descriptors straight from a binary. For a PIE, pass the load bias
 * to see it at its run-time addresses (relocated pointers in it are not adjusted).
 */
export class ExecutableImage extends SegmentedImage {
  private constructor(readonly exe: ElfFile, readonly loadBias: number) {
    super(executableSegments(exe, loadBias));
  }

  static open(path: string, loadBias = 0): ExecutableImage {
    return ExecutableImage.of(ElfFile.open(path), loadBias);
  }

  static of(exe: ElfFile, loadBias = 0): ExecutableImage {
    if (exe.header.type === ET_CORE) {
      throw new UserError('usage', `${exe.path} is a core dump, not an executable; give the Go binary that produced the core.`);
    }
    return new ExecutableImage(exe, loadBias);
  }
}
