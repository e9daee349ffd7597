/** Text for XML element content and attribute values: `& < > "` become entities. */
export function escapeXml(text: string): string {
  return /[&<>"]/.test(text)
    ? text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    : text;
}

/** Text for an XML comment, which may not contain `--` (callers put a space before `-->`). */
export function commentText(text: string): string {
  return text.replace(/-(?=-)/g, '- ');
}
