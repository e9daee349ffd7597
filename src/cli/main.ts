import yargs, { type Argv } from 'yargs';
import { ExitCode, UserError } from './errors.js';
import { version } from './version.js';
import { renderCommand } from './commands/render.js';
import { infoCommand } from './commands/info.js';
import { goroutinesCommand } from './commands/goroutines.js';
import { topCommand } from './commands/top.js';
import { flameCommand } from './commands/flame.js';

/** The commands, each a yargs module in src/cli/commands/. */
const commands = [flameCommand, renderCommand, infoCommand, goroutinesCommand, topCommand];

function buildParser(argv: string[]): Argv {
  let parser = yargs(argv)
    .scriptName('goheapflame')
    .usage('goheapflame: who still holds your Go program\'s memory — flame graphs from core dumps.')
    .version(version)
    .strict()
    .recommendCommands()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError('usage', `${msg.replace(/\.?$/, '.')} Run with --help for usage.`);
    });
  for (const command of commands) parser = parser.command(command as never);
  return parser;
}

/** Runs the CLI and returns the process exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildParser(argv).parseAsync();
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`goheapflame: ${err.message}\n`);
      return err.exitCode;
    }
    const detail = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `goheapflame: internal error: ${detail}\n` +
        'This is a bug in goheapflame; please report it with the command line you ran' +
        (process.env.GOHEAPFLAME_DEBUG ? '.\n' : ' (set GOHEAPFLAME_DEBUG=1 for details).\n'),
    );
    if (process.env.GOHEAPFLAME_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return ExitCode.internal;
  }
}
