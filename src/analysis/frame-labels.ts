/**
 * The frame labels of a Go memory reference flame graph (written by the graph stage, read here to
 * colour frames by what they are):
 *
 * - Root frames start with the kind of root: `global main.sessions`,
 *   `goroutine 42 main.worker · list`, `finalizer …`, `cleanup …`, `runtime …`, `unreachable …`,
 *   `untyped …`.
 * - Object frames are `<how> <type>`: how the parent holds the object (`.field`, `[key]`,
 *   `[value]`, `[elem]`, `[3]`, `(iface)`), then its Go type: `.sessions map[string]*main.Session`,
 *   `[value] *main.Session`, `(iface) *main.Cache`. The how part is left out when there is none:
 *   `string`, `unknown 48-byte objects`.
 * - A chain of N objects with the same label (a linked list) is one frame with the suffix ` ×N`:
 *   `.next *main.Node ×1000`. The `×` keeps the number from reading as a folded count.
 */
export type GoFrameKind = 'root' | 'map' | 'slice' | 'string' | 'struct' | 'unknown';

export const GO_FRAME_KINDS: readonly GoFrameKind[] = ['root', 'map', 'slice', 'string', 'struct', 'unknown'];

const rootWord = /^(?:global|goroutine|finalizer|cleanup|runtime|unreachable)(?:\s|$)/;
const unknownWord = /^(?:unknown|untyped)(?:\s|$)/;
/** `.field`, `[key]`, `[3]`, `(iface)`: a single token, then the type. `[]T` and `[4]T` are types. */
const howPrefix = /^(?:\.\S+|\[[^\]\s]+\]|\([^)\s]+\))\s+/;
const chainSuffix = /\s×\d+$/;

export function goFrameKind(label: string): GoFrameKind {
  if (unknownWord.test(label)) return 'unknown';
  if (rootWord.test(label)) return 'root';
  const type = label.replace(chainSuffix, '').replace(howPrefix, '').replace(/^\*+/, '');
  if (unknownWord.test(type)) return 'unknown';
  if (type.startsWith('map[')) return 'map';
  if (type.startsWith('[]')) return 'slice';
  if (type === 'string') return 'string';
  return 'struct';
}
