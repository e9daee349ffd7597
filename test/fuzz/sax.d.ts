// sax (svgdom's XML parser, used by xml-check.ts) ships no types; xml-check.ts declares the part it uses.
declare module 'sax';
