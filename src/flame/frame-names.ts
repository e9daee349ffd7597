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
const oddCharacter = /[;\u0000-\u001f\u007f\ufffe\uffff\ud800-\udfff]/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const trailingNumber = /(\s)(\d+(?:\.\d*)?)$/;

export function canonicalFrameName(name: string): string {
  if (name === '') return '-';
  const last = name.charCodeAt(name.length - 1);
  const mayEndInNumber = (last >= 48 && last <= 57) || last === 46; // tested first: most names do not
  if (!(mayEndInNumber && trailingNumber.test(name)) && !oddCharacter.test(name)) return name;
  return name
    .replace(loneSurrogate, '\ufffd')
    .replace(/;/g, ',')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/[\ufffe\uffff]/g, '\ufffd')
    .replace(trailingNumber, '$1\u200b$2');
}
