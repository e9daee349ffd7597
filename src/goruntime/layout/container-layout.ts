import type { RuntimeLayout } from './runtime-layout.js';

/**
 * Where the runtime's map header and channel keep what typing follows to their contents
 * (internal/runtime/maps.Map and table for swiss maps, runtime.hchan), from the RuntimeLayout.
 */
export interface ContainerLayout {
  /** The size of a map header (maps.Map). */
  readonly mapSize: number;
  /** maps.Map.dirPtr: the directory of tables, or the one group of a small map. */
  readonly mapDirPtr: number;
  /** maps.Map.dirLen: 0 for a small map. */
  readonly mapDirLen: number;
  /** maps.table.groups.data: a table's array of groups. */
  readonly tableGroups: number;
  /** hchan.buf: the channel's buffer. */
  readonly chanBuf: number;
  /** hchan.elemtype: the element's type descriptor. */
  readonly chanElemType: number;
}

export function containerLayout(layout: RuntimeLayout): ContainerLayout {
  return {
    mapSize: layout.size('internal/runtime/maps.Map'),
    mapDirPtr: layout.offset('internal/runtime/maps.Map', 'dirPtr'),
    mapDirLen: layout.offset('internal/runtime/maps.Map', 'dirLen'),
    tableGroups: layout.offset('internal/runtime/maps.table', 'groups.data'),
    chanBuf: layout.offset('runtime.hchan', 'buf'),
    chanElemType: layout.offset('runtime.hchan', 'elemtype'),
  };
}
