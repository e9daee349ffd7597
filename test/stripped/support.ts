import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * The fixture cores come from the unstripped binaries, and a `-ldflags=-s -w` build of the same source
 * lays out its data elsewhere (its build settings make .go.buildinfo longer), so it cannot read them.
 * `strip` after linking removes the same things (.symtab and every DWARF section) while every loaded
 * byte stays where it was: the core's own process, read as if its binary had been stripped.
 */
let dir: string | undefined;
const copies = new Map<string, string>();

export function strippedCopy(binary: string): string {
  let copy = copies.get(binary);
  if (!copy) {
    dir ??= mkdtempSync(join(tmpdir(), 'goheapflame-stripped-'));
    copy = join(dir, `${basename(binary)}-${copies.size}-strip-all`);
    execFileSync('strip', ['--strip-all', '-o', copy, binary]);
    copies.set(binary, copy);
  }
  return copy;
}

export function removeStrippedCopies(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  copies.clear();
}
