/** The part of svgdom (which ships no types) that the SVG writer uses. */
declare module 'svgdom' {
  export interface SvgDomNode {
    appendChild(node: SvgDomNode): SvgDomNode;
  }
  export interface SvgDomDocument {
    readonly documentElement: SvgDomNode;
    createComment(text: string): SvgDomNode;
  }
  export interface SvgDomWindow {
    readonly document: SvgDomDocument;
  }
  export function createSVGWindow(): SvgDomWindow;
}
