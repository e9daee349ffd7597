/**
 * The canonical form of a frame name: the one spelling that survives a trip through the folded
 * format and through XML unchanged. Both the renderer and `formatFolded` apply it, which is what
 * makes "render the stacks" and "render the folded text of the stacks" give the same bytes.
 *
 * - `;` separates frames in folded text, so it becomes `,` (Go types like `struct { a int; b int }`).
 * - Control characters (including tab and newlines) become a space: XML 1.0 cannot carry most of
 *   them and a newline would end the folded line.
 * - Lone surrogates and U+FFFE/U+FFFF become U+FFFD: XML cannot carry them either.
 * - The empty name becomes `-` (stackcollapse-stap.pl's spelling): folded text drops a trailing
 *   empty frame, so it could not come back.
 * - A name ending in whitespace + number (`goroutine 42`) would be read back as a count of a
 *   differential line; a zero-width space (U+200B, not whitespace to Perl or JS) goes before the
 *   number so it still reads the same.
 */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const trailingNumber = /(\s)(\d+(?:\.\d*)?)$/;

export function canonicalFrameName(name: string): string {
  if (name === '') return '-';
  if (isCanonical(name)) return name;
  return name
    .replace(loneSurrogate, '\ufffd')
    .replace(/;/g, ',')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/[\ufffe\uffff]/g, '\ufffd')
    .replace(trailingNumber, '$1\u200b$2');
}

/** True when `canonicalFrameName` leaves a name that is not empty as it is. Loops, not regular expressions: faster. */
function isCanonical(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 32 || c === 59 || c === 127 || (c >= 0xd800 && (c <= 0xdfff || c >= 0xfffe))) return false;
  }
  return !endsLikeCount(name, 0, name.length);
}

/**
 * True when text[start, end) ends like a count, `\s\d+(?:\.\d*)?$` (the `trailingNumber` that
 * `canonicalFrameName` breaks up): digits, maybe a fraction, after a whitespace character. Most Go
 * type names end in digits (`pkg2.T7`), where the regular expression searches the whole name.
 */
export function endsLikeCount(text: string, start: number, end: number): boolean {
  let i = end;
  while (i > start && isDigit(text.charCodeAt(i - 1))) i--;
  if (i > start && text.charCodeAt(i - 1) === 46) {
    const dot = i - 1;
    i = dot;
    while (i > start && isDigit(text.charCodeAt(i - 1))) i--;
    if (i === dot) return false; // no digits before the point
  } else if (i === end) {
    return false; // no digits at the end
  }
  return i > start && isSpace(text.charCodeAt(i - 1));
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => (c < 128 ? c === 32 || (c >= 9 && c <= 13) : /\s/.test(String.fromCharCode(c)));
