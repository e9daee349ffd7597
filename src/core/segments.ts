import type { PositionedFile } from '../util/positioned-file.js';

/**
 * Where the bytes of an address range come from: the core, the executable, another file, zeros
 * (memory the core says exists but did not dump), or nowhere (missing: another file's mapping
 * that was not dumped, or the part of a truncated core that is gone). 'file' is for mappings of
 * other files when they are supplied; nothing supplies them yet.
 */
export type MemorySource = 'core' | 'executable' | 'file' | 'zero' | 'missing';

/** What `info` shows per mapping. */
export interface Mapping {
  start: number;
  end: number;
  /** 'r', 'w', 'x' or '-' in that order, e.g. 'r-x'. */
  perms: string;
  source: MemorySource;
  path?: string;
}

/** A run of addresses with one source; bytes at `start` are at `fileOffset` in `file`. */
export interface Segment extends Mapping {
  file?: PositionedFile;
  fileOffset: number;
}

/** ELF segment flags (PF_R=4, PF_W=2, PF_X=1) as 'rwx'. */
export function permsFromFlags(flags: number): string {
  return (flags & 4 ? 'r' : '-') + (flags & 2 ? 'w' : '-') + (flags & 1 ? 'x' : '-');
}

/** The part [start, end) of a segment, with its file offset moved along. */
export function slice(segment: Segment, start: number, end: number): Segment {
  return { ...segment, start, end, fileOffset: segment.fileOffset + (start - segment.start) };
}

/** Sorts a layer by address, drops empty segments and trims overlaps (the earlier one wins). */
export function sortedLayer(segments: Segment[]): Segment[] {
  const sorted = segments.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Segment[] = [];
  for (const s of sorted) {
    const prevEnd = out.length ? out[out.length - 1]!.end : -1;
    if (s.end <= prevEnd) continue;
    out.push(s.start < prevEnd ? slice(s, prevEnd, s.end) : s);
  }
  return out;
}

/** Lays `upper` over `lower` (both sorted and non-overlapping): upper wins where they overlap. */
export function overlay(lower: Segment[], upper: Segment[]): Segment[] {
  const out: Segment[] = [...upper];
  let j = 0;
  for (const seg of lower) {
    while (j < upper.length && upper[j]!.end <= seg.start) j++;
    let at = seg.start;
    for (let k = j; k < upper.length && upper[k]!.start < seg.end; k++) {
      const u = upper[k]!;
      if (u.start > at) out.push(slice(seg, at, u.start));
      at = Math.max(at, u.end);
    }
    if (at < seg.end) out.push(slice(seg, at, seg.end));
  }
  return out.sort((a, b) => a.start - b.start);
}
