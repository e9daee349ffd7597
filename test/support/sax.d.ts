// sax (a pinned devDependency, used by xml-check.ts and the robustness tests) ships no types; xml-check.ts declares the part it uses.
declare module 'sax';
