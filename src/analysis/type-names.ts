import { Role, type HeapTyping } from '../goruntime/typing/heap-typing.js';
import { format } from './frame-labels.js';

/**
 * A generic shape as people can read it: the shape types generic code is compiled for name packages
 * by import path (`go.shape.struct { github.com/org/mod/internal/ast.NodeBase; … }`) and hash long
 * ones (`go.shape.7ef79b8109ca…` with 64 hex digits); this keeps the package's name and 6 digits.
 * Other names are left as they are.
 */
export function readableTypeName(name: string): string {
  if (!name.includes('go.shape.')) return name;
  return name.replace(/go\.shape\.([0-9a-f]{6})[0-9a-f]{58}/g, 'go.shape.$1…').replace(/[\w.~-]+(?:\/[\w.~-]+)+/g, (path) => path.slice(path.lastIndexOf('/') + 1));
}

/**
 * A readable name for what an object is, as `top` lists it: `main.Session`, `[1000]uint8`,
 * `string data`, `map[string]int (buckets)`, `func main.f.func1 (closure)`, or
 * `unknown (48-byte objects)` when typing could not tell. With `counts` false, how many values an
 * array holds is left out (`[…]uint8`): a diff matches the same array in two dumps although it grew.
 */
export function objectTypeName(typing: HeapTyping, obj: number, funcName: (entry: number) => string | undefined, counts = true): string {
  return readableTypeName(rawObjectTypeName(typing, obj, funcName, counts));
}

function rawObjectTypeName(typing: HeapTyping, obj: number, funcName: (entry: number) => string | undefined, counts: boolean): string {
  const role = typing.role[obj]!;
  const typeName = () => typing.types.typeAt(typing.type[obj]!)?.string ?? 'unknown type';
  const count = counts ? String(typing.count[obj]!) : '…';
  switch (role) {
    case Role.value:
      return typing.count[obj]! > 1 ? `[${count}]${typeName()}` : typeName();
    case Role.array:
      return `[${count}]${typeName()}`;
    case Role.string:
      return 'string data';
    case Role.mapHeader:
      return `${typeName()} (map header)`;
    case Role.mapTable:
      return `${typeName()} (${typing.containers.map.kind === 'swiss' ? 'map directory and tables' : 'mapextra and overflow lists'})`;
    case Role.mapGroups:
      return `${typeName()} (${typing.containers.map.kind === 'swiss' ? 'map groups' : 'map buckets'})`;
    case Role.chan:
      return `${typeName()} (channel)`;
    case Role.chanBuffer:
      return `[${count}]${typeName()} (channel buffer)`;
    case Role.closure:
      return `func ${funcName(typing.type[obj]!) ?? 'unknown'} (closure)`;
    default:
      return format.unknownObjects(typing.objects.size[obj]!);
  }
}

/** objectTypeName remembered per role, type and count: millions of objects share a few thousand names. */
export class ObjectTypeNames {
  /** By type descriptor (the closure's PC, or minus the size of an untyped object), then by count × 16 + role. */
  private readonly byType = new Map<number, Map<number, string>>();

  constructor(
    private readonly typing: HeapTyping,
    private readonly funcName: (entry: number) => string | undefined,
    private readonly counts = true,
  ) {}

  of(obj: number): string {
    const typing = this.typing;
    const role = typing.role[obj]!;
    const type = role === Role.unknown ? -typing.objects.size[obj]! : typing.type[obj]!;
    const counted = role === Role.value || role === Role.array || role === Role.chanBuffer;
    const key = (counted ? typing.count[obj]! : 0) * 16 + role;
    let names = this.byType.get(type);
    if (!names) this.byType.set(type, (names = new Map()));
    let name = names.get(key);
    if (name === undefined) names.set(key, (name = objectTypeName(typing, obj, this.funcName, this.counts)));
    return name;
  }
}
