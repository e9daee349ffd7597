import { ptrSize } from '../arch.js';
import type { RuntimeLayout } from './runtime-layout.js';

/** Swiss-table maps (Go 1.24+): internal/runtime/maps.Map and table. */
export interface SwissMapLayout {
  readonly kind: 'swiss';
  /** The size of a map header (maps.Map). */
  readonly mapSize: number;
  /** maps.Map.dirPtr: the directory of tables, or the one group of a small map. */
  readonly mapDirPtr: number;
  /** maps.Map.dirLen: 0 for a small map. */
  readonly mapDirLen: number;
  /** maps.table.groups.data: a table's array of groups. */
  readonly tableGroups: number;
}

/** Bucket maps (Go 1.22 and 1.23, and 1.24 and 1.25 built with GOEXPERIMENT=noswissmap): runtime.hmap. */
export interface ClassicMapLayout {
  readonly kind: 'classic';
  /** The size of a map header (hmap). */
  readonly mapSize: number;
  /** hmap.buckets: the array of 2^B buckets. */
  readonly buckets: number;
  /** hmap.oldbuckets: the previous array while the map grows. */
  readonly oldbuckets: number;
  /** hmap.extra: the *mapextra holding the overflow buckets of pointer-free maps. */
  readonly extra: number;
  /** mapextra.overflow and oldoverflow: each a *[]*bmap listing the overflow buckets of buckets and oldbuckets. */
  readonly extraLists: readonly number[];
}

/**
 * Where the runtime's map header and channel keep what typing follows to their contents (the map
 * implementation the binary was built with, and runtime.hchan), from the RuntimeLayout.
 */
export interface ContainerLayout {
  readonly map: SwissMapLayout | ClassicMapLayout;
  /** hchan.buf: the channel's buffer. */
  readonly chanBuf: number;
  /** hchan.elemtype: the element's type descriptor. */
  readonly chanElemType: number;
}

export function containerLayout(layout: RuntimeLayout, swissMaps: boolean): ContainerLayout {
  return {
    map: swissMaps ? swissMapLayout(layout) : classicMapLayout(layout),
    chanBuf: layout.offset('runtime.hchan', 'buf'),
    chanElemType: layout.offset('runtime.hchan', 'elemtype'),
  };
}

function swissMapLayout(layout: RuntimeLayout): SwissMapLayout {
  return {
    kind: 'swiss',
    mapSize: layout.size('internal/runtime/maps.Map'),
    mapDirPtr: layout.offset('internal/runtime/maps.Map', 'dirPtr'),
    mapDirLen: layout.offset('internal/runtime/maps.Map', 'dirLen'),
    tableGroups: layout.offset('internal/runtime/maps.table', 'groups.data'),
  };
}

function classicMapLayout(layout: RuntimeLayout): ClassicMapLayout {
  return {
    kind: 'classic',
    mapSize: layout.size('runtime.hmap'),
    buckets: layout.offset('runtime.hmap', 'buckets'),
    oldbuckets: layout.offset('runtime.hmap', 'oldbuckets'),
    extra: layout.offset('runtime.hmap', 'extra'),
    // mapextra has begun {overflow, oldoverflow *[]*bmap; …} in every release with bucket maps; the tables do not carry it.
    extraLists: [0, ptrSize],
  };
}
