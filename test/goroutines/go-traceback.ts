/**
 * Go's own goroutine tracebacks as test oracles: parsing runtime.Stack(all) output (stacks.txt)
 * and the GOTRACEBACK=crash dump on stderr, and the frame filter Go applies at the default level.
 */

export interface TracebackFrame {
  function: string;
  file: string;
  line: number;
  inlined: boolean;
  /** Printed with GOTRACEBACK=crash (level 2) for physical frames. */
  pc?: number;
  sp?: number;
  fp?: number;
}

export interface TracebackGoroutine {
  id: number;
  /** The header's state without qualifiers: `chan receive`, not `chan receive, locked to thread`. */
  state: string;
  lockedToThread: boolean;
  /** The `m=N` of a level-2 header, when the goroutine ran on an M. */
  m?: number;
  frames: TracebackFrame[];
  createdBy?: { function: string; file: string; line: number; goid: number };
}

const header = /^goroutine (\d+)(?: gp=\S+ m=(\d+|nil)(?: mp=\S+)?)? \[([^\]]*)\]:$/;
const fileLine = /^\t(.+):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=(0x[0-9a-f]+) sp=(0x[0-9a-f]+) pc=(0x[0-9a-f]+))?$/;
const createdByLine = /^created by (\S+)(?: in goroutine (\d+))?$/;

/** Parses the goroutine blocks of a traceback; register dumps and signal lines between them are skipped. */
export function parseTraceback(text: string): TracebackGoroutine[] {
  const lines = text.split('\n');
  const goroutines: TracebackGoroutine[] = [];
  let current: TracebackGoroutine | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const h = header.exec(line);
    if (h) {
      const [state, ...qualifiers] = h[3].split(', ');
      current = { id: Number(h[1]), state, lockedToThread: qualifiers.includes('locked to thread'), frames: [] };
      if (h[2] !== undefined && h[2] !== 'nil') current.m = Number(h[2]);
      goroutines.push(current);
      continue;
    }
    if (!current) continue;
    if (line === '' || line === '-----') {
      current = undefined;
      continue;
    }
    const next = fileLine.exec(lines[i + 1] ?? '');
    const created = createdByLine.exec(line);
    if (created && next) {
      current.createdBy = { function: created[1], file: next[1], line: Number(next[2]), goid: Number(created[2] ?? 0) };
      i++;
      continue;
    }
    const call = /^(.+)\((.*)\)$/.exec(line);
    if (call && next) {
      const frame: TracebackFrame = { function: call[1], file: next[1], line: Number(next[2]), inlined: call[2] === '...' };
      if (next[3]) Object.assign(frame, { fp: Number(next[3]), sp: Number(next[4]), pc: Number(next[5]) });
      current.frames.push(frame);
      i++;
      continue;
    }
    // Anything else (register dumps) ends the block.
    current = undefined;
  }
  return goroutines;
}

/** runtime.isExportedRuntime. */
function isExportedRuntime(name: string): boolean {
  if (!name.startsWith('runtime.')) return false;
  let rest = name.slice('runtime.'.length);
  let receiver = '';
  const dot = rest.lastIndexOf('.');
  if (dot >= 0) {
    receiver = rest.slice(0, dot);
    rest = rest.slice(dot + 1);
    if (receiver.startsWith('(*') && receiver.endsWith(')')) receiver = receiver.slice(2, -1);
  }
  const exported = (s: string) => s.length > 0 && s[0] >= 'A' && s[0] <= 'Z';
  return exported(rest) && (receiver === '' || exported(receiver));
}

export interface FilterableFrame {
  function: string;
  wrapper: boolean;
}

/**
 * runtime.showfuncinfo at GOTRACEBACK=single (runtime.Stack's level): which logical frames a
 * default traceback prints. Runtime internals and wrappers are left out.
 */
export function defaultLevelFrames<F extends FilterableFrame>(frames: F[]): F[] {
  const shown: F[] = [];
  let callee = '';
  for (const f of frames) {
    const calledBy = callee;
    callee = f.function;
    const panicking = ['runtime.gopanic', 'runtime.sigpanic', 'runtime.panicwrap'].includes(calledBy);
    if (f.wrapper && !panicking) continue;
    const name = f.function;
    const show =
      name === 'runtime.runFinalizers' ||
      name === 'runtime.runCleanups' ||
      (name === 'runtime.gopanic' && shown.length > 0) ||
      (name.includes('.') && (!name.startsWith('runtime.') || isExportedRuntime(name)));
    if (show) shown.push(f);
  }
  return shown;
}

/** runtime.printcreatedby shows the creator only when its function would show as a frame. */
export function defaultLevelCreator(fn: string): boolean {
  return defaultLevelFrames([{ function: fn, wrapper: false }]).length === 1;
}
