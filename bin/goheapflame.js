#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (run `npm run build` after changing src/).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
