import { Role, type HeapTyping } from '../goruntime/typing/heap-typing.js';
import { format } from './frame-labels.js';

/**
 * A readable name for what an object is, as `top` lists it: `main.Session`, `[1000]uint8`,
 * `string data`, `map[string]int (buckets)`, `func main.f.func1 (closure)`, or
 * `unknown (48-byte objects)` when typing could not tell.
 */
export function objectTypeName(typing: HeapTyping, obj: number, funcName: (entry: number) => string | undefined): string {
  const role = typing.role[obj]!;
  const typeName = () => typing.types.typeAt(typing.type[obj]!)?.string ?? 'unknown type';
  const count = typing.count[obj]!;
  switch (role) {
    case Role.value:
      return count > 1 ? `[${count}]${typeName()}` : typeName();
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
