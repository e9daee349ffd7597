import type { CommandModule } from 'yargs';

// Placeholder replaced by the renderer work (issue 2).
export const renderCommand: CommandModule = {
  command: 'render <input>',
  describe: 'Render folded stacks (or viewcore objref backtraces) as an interactive SVG flame graph',
  handler: () => {
    throw new Error('not implemented yet');
  },
};
