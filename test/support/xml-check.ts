/**
 * Is this SVG well-formed XML? A real parser (sax, strict mode) plus the checks sax leaves out: the XML 1.0 `Char` production (no control characters
 * but tab, LF and CR; no lone surrogates, no U+FFFE/U+FFFF), `<` in attribute values, duplicate
 * attributes, exactly one root element, and valid UTF-8.
 */
import saxModule from 'sax';

interface SaxParser {
  onerror: (e: Error) => void;
  onopentag: (node: { name: string }) => void;
  startTagPosition: number;
  position: number;
  onclosetag: (name: string) => void;
  ontext: (text: string) => void;
  error: Error | null;
  write(s: string): SaxParser;
  close(): SaxParser;
}
const sax = saxModule as unknown as { parser(strict: boolean, opts: object): SaxParser };

// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** undefined when `bytes` is a well-formed XML document; else the first problem found. */
export function xmlProblem(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'not valid UTF-8';
  }
  if (text.trim() === '') return 'empty document';
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    const line = text.slice(0, bad.index).split('\n').length;
    return `character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed in XML (line ${line})`;
  }
  const problems: string[] = [];
  // strictEntities: only the five XML entities (sax otherwise knows HTML's, &nbsp; and all).
  const parser = sax.parser(true, { strictEntities: true });
  let depth = 0;
  let roots = 0;
  parser.onerror = (e) => {
    problems.push(e.message.split('\n').join(' '));
    parser.error = null; // keep going: one message is enough, but sax must not throw
  };
  parser.onopentag = (node) => {
    if (depth === 0) roots++;
    depth++;
    // sax drops a repeated attribute without a word, and lets a raw '<' through in a value (it
    // reports values with their entities decoded): look at the tag's own text for both.
    const tag = text.slice(parser.startTagPosition - 1, parser.position);
    const attributes = [...tag.matchAll(/\s([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')/g)].map((m) => ({ name: m[1]!, raw: m[2]! }));
    const names = attributes.map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) problems.push(`duplicate attribute ${dup} on <${node.name}>`);
    const lt = attributes.find((a) => a.raw.includes('<'));
    if (lt) problems.push(`'<' in the value of attribute ${lt.name}`);
  };
  parser.onclosetag = () => {
    depth--;
  };
  parser.ontext = (t) => {
    if (depth === 0 && t.trim() !== '') problems.push('text outside the root element');
  };
  try {
    parser.write(text).close();
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  }
  if (roots !== 1 && problems.length === 0) problems.push(`${roots} root elements`);
  return problems[0];
}
