/** Text for XML element content and attribute values: `& < > "` become entities. */
export function escapeXml(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 38 || c === 60 || c === 62 || c === 34) {
      return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    }
  }
  return text; // the common case, found without a regular expression (faster for short names)
}

/** Text for an XML comment, which may not contain `--` (callers put a space before `-->`). */
export function commentText(text: string): string {
  return text.replace(/-(?=-)/g, '- ');
}
