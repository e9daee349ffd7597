import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import { version } from './version.js';

type Command = CommandModule<object, never>;

/** The default command (a core and its binary), a yargs module in src/cli/commands/. */
const defaultCommand = async (): Promise<Command> => (await import('./commands/flame.js')).flameCommand as Command;

/**
 * The named commands, by name. They are imported only when needed: the ones that read a core load
 * the whole Go runtime reader, which `render` does without.
 */
const namedCommands: Record<string, () => Promise<Command>> = {
  render: async () => (await import('./commands/render.js')).renderCommand as Command,
  diff: async () => (await import('./commands/diff.js')).diffCommand as Command,
  info: async () => (await import('./commands/info.js')).infoCommand as Command,
  goroutines: async () => (await import('./commands/goroutines.js')).goroutinesCommand as Command,
  top: async () => (await import('./commands/top.js')).topCommand as Command,
  path: async () => (await import('./commands/path.js')).pathCommand as Command,
};

/** Just the command named first, when there is one (yargs would run it whatever else is there); else all, default first. */
async function commandsFor(argv: string[]): Promise<Command[]> {
  const first = argv[0];
  if (first !== undefined && Object.hasOwn(namedCommands, first)) return [await namedCommands[first]!()];
  return Promise.all([defaultCommand, ...Object.values(namedCommands)].map((load) => load()));
}

/**
 * `render INPUT` or `render INPUT -o OUT` and nothing else, flamegraph.pl's drop-in use, runs
 * without yargs: loading it and the help text it prepares for every command takes ~0.2 s, as long
 * as rendering 100,000 stacks. Any other command line (any option, help, a missing or odd
 * argument) goes through yargs, which checks it and parses it the same way.
 */
function plainRenderArgs(argv: string[]): { input: string; output?: string } | undefined {
  const isPath = (arg: string | undefined): arg is string => arg !== undefined && arg !== '' && (arg === '-' || !arg.startsWith('-'));
  const [command, input, flag, output] = argv;
  if (command !== 'render' || !isPath(input)) return undefined;
  if (argv.length === 2) return { input };
  if (argv.length === 4 && (flag === '-o' || flag === '--output') && isPath(output) && output !== '-') return { input, output };
  return undefined;
}

/**
 * yargs's message as one line: its `Invalid values:` list becomes `--format xyz is not one of
 * svg, folded, …`; any other line break becomes a space.
 */
function oneSentence(message: string): string {
  const invalid = [...message.matchAll(/Argument: (\S+), Given: (.*?), Choices: (.*)$/gm)];
  if (invalid.length) return invalid.map(([, name, given, choices]) => `--${name} ${given} is not one of ${choices}`).join('; ');
  return message.replace(/\s*\n\s*/g, ' ');
}

async function buildParser(argv: string[], commands: Command[]): Promise<Argv> {
  const { default: yargs } = await import('yargs');
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
      throw new UserError('usage', `${oneSentence(msg).replace(/\.?$/, '.')} Run with --help for usage.`);
    });
  for (const command of commands) parser = parser.command(command as never);
  return parser;
}

/**
 * A reader that goes away (`top … | head`) ends the program quietly: the rest of the output is not
 * wanted. Any other failure to write standard output is said in one line.
 */
function watchStandardOutput(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(ExitCode.ok);
    process.stderr.write(`goheapflame: cannot write to standard output (${err.code ?? err.message}); check where it goes.\n`);
    process.exit(ExitCode.usage);
  });
}

/** Runs the CLI and returns the process exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  watchStandardOutput();
  try {
    const plain = plainRenderArgs(argv);
    if (plain) await (await import('./commands/render.js')).render(plain);
    else await (await buildParser(argv, await commandsFor(argv))).parseAsync();
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`goheapflame: ${err.message}\n`);
      return ExitCode[err.kind];
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
