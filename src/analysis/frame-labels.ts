/**
 * The grammar of frame labels in a Go memory reference flame graph, in one place: `format` writes
 * them (the frame namer and the heap summary use it), `classify` reads them back (the renderer
 * colours frames by kind, also for folded files it did not write). Tests hold the two in agreement.
 *
 *   root frame     `global NAME`                  a package-level variable (`global main.sessions`,
 *                                                 `global .bss+0x7e0 → map[string]*main.Session` when stripped)
 *                  `runtime global NAME`          one of the runtime's own globals (`runtime global runtime.allgs`)
 *                  `goroutine ID FUNC · VAR`      a goroutine's local, `· (temporaries)`, `· registers`,
 *                                                 `· defer F`, `· panic`, `· closure context`
 *                  `finalizer F on T`, `queued finalizer F`, `cleanup F`, `queued cleanup F`,
 *                  `runtime …` (`runtime tiny allocator blocks`)
 *                  `unreachable (allocated, no root reaches it)`
 *                  `shared by several roots (reached from N roots)`  in a dominator tree: what no
 *                                                 single root keeps alive
 *   object frame   `[HOW ]TYPE`                   HOW is how the holder holds it: `.field.path`, `[elem]`,
 *                                                 `[key]`, `[value]`, `[buf]`, alone or followed by a field path
 *                  `[HOW ]IFACE → TYPE`           held through an interface, with its dynamic type
 *                  `unknown (N-byte objects)`     no type could be found
 *   chain          `LABEL ×N`                     N objects of one type linked to each other, as one frame
 *   in a diff      `LABEL`, `[…]TYPE`             chains and arrays without their counts, so that the
 *                                                 same frame in two dumps has the same label
 *
 * The root names themselves (what follows `global`, the goroutine's function and variable, …) are
 * given by the roots when they are found.
 */

/** What a frame is, as the `go` palette colours it. */
export type FrameKind = 'root' | 'map' | 'slice' | 'string' | 'struct' | 'unknown';

export const frameKinds: readonly FrameKind[] = ['root', 'map', 'slice', 'string', 'struct', 'unknown'];

export const format = {
  /** A root's frame from its kind and name (a runtime global reads `runtime global runtime.allgs`). */
  root(kind: string, name: string): string {
    // Other roots' names start with their kind word already (`goroutine 42 …`, `finalizer …`).
    if (kind === 'global') return `global ${name}`;
    return kind === 'runtime' && !name.startsWith('runtime ') ? `runtime global ${name}` : name;
  },
  /** The root frame that gathers what no root reaches. */
  unreachableRoot: 'unreachable (allocated, no root reaches it)',
  /** The root frame of a dominator tree's objects that no single root keeps alive. */
  sharedRoot(roots: number): string {
    return `shared by several roots (reached from ${roots} roots)`;
  },
  /** An object held by a typed slot: `how` may be '' (held directly by a root). */
  held(how: string, declared: string): string {
    return how ? `${how} ${declared}` : declared;
  },
  /** The type part of an object held through an interface. */
  throughInterface(iface: string, dynamic: string): string {
    return `${iface} → ${dynamic}`;
  },
  /** An element of an array, or of a slice's backing array, then the path inside the element. */
  element(path: string): string {
    return `[elem]${path}`;
  },
  /** A map's key or value, from the slot path inside a swiss-map group (`.slots[elem].key…`) or a map bucket (`.keys[elem]…`). */
  mapEntry(groupSlotPath: string): string {
    return groupSlotPath.replace(/^\.(?:slots\[elem\]\.key|keys\[elem\])/, '[key]').replace(/^\.(?:slots\[elem\]\.elem|elems\[elem\])/, '[value]');
  },
  /** A value in a channel's buffer, then the path inside it. */
  channelBuffer(path: string): string {
    return `[buf]${path}`;
  },
  /** Objects whose type could not be found, by their slot size. */
  unknownObjects(size: number): string {
    return `unknown (${size}-byte objects)`;
  },
  /** A frame standing for `count` linked objects that share `label`. */
  chain(label: string, count: number): string {
    return `${label} ×${count}`;
  },
};

const rootWord = /^(?:global|goroutine|finalizer|queued|cleanup|runtime|unreachable|shared)(?:\s|$)/;
const unknownWord = /^unknown(?:\s|$)/;
/** The HOW part: `.field.path`, or `[key]`, `[value]`, `[elem]`, `[buf]`, `[3]`, each maybe followed by a path. `[]T` and `[4]T` are types. */
const howPrefix = /^(?:\.\S+|\[[^\]\s]+\]\S*)\s+/;
const chainSuffix = /\s×\d+$/;
const interfaceArrow = ' → ';

/** The kind of frame a label names (by its grammar above); anything else is a `struct`. */
export function classify(label: string): FrameKind {
  if (unknownWord.test(label)) return 'unknown';
  if (rootWord.test(label)) return 'root';
  let type = label.replace(chainSuffix, '').replace(howPrefix, '');
  const arrow = type.indexOf(interfaceArrow);
  if (arrow >= 0) type = type.slice(arrow + interfaceArrow.length);
  type = type.replace(/^\*+/, '');
  if (unknownWord.test(type)) return 'unknown';
  if (type.startsWith('map[')) return 'map';
  if (type.startsWith('[]')) return 'slice';
  if (type === 'string' || type === 'string data') return 'string';
  return 'struct';
}
