/**
 * Frame labels fitted to the frame on the server, so they are right without JavaScript. The width
 * of a character is the font's average (`fontWidth × fontSize`); East Asian wide characters and
 * characters outside the BMP (emoji) count as two. templates/flamegraph.js fits labels the same
 * way after a zoom.
 */
export const LABEL_PAD = 3;

export function fitLabel(name: string, size: string | undefined, frameWidth: number, charWidth: number): string {
  const room = Math.floor((frameWidth - 2 * LABEL_PAD) / charWidth);
  if (room < 3) return '';
  if (size !== undefined) {
    const withSize = `${name} (${size})`;
    if (prefixFitting(withSize, room) === withSize.length) return withSize;
  }
  const fit = prefixFitting(name, room);
  return fit === name.length ? name : name.slice(0, prefixFitting(name, room - 2)) + '..';
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xd800 && code <= 0xdbff) || // high surrogate: the pair counts as one wide character
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6)
  );
}

/** Length (in UTF-16 units) of the longest prefix of `text` that fits in `room` columns, never splitting a pair. */
function prefixFitting(text: string, room: number): number {
  let columns = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const width = isWide(code) ? 2 : 1;
    if (columns + width > room) break;
    columns += width;
    i += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return i;
}
