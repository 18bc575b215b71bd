#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { UnauthorizedError, UnreachableError } from './api-client.js';
import { addCommand } from './commands/add.js';
import { buildCommand } from './commands/build.js';
import { gcCommand } from './commands/gc.js';
import { lsCommand } from './commands/ls.js';
import { orderCommand } from './commands/order.js';
import { apiUrl } from './commands/parsers.js';
import { rmCommand } from './commands/rm.js';
import { serveCommand } from './commands/serve.js';
import { EXIT, UsageError } from './output.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('gridbuilder')
  .description('Turn a set of photos into one grid image, from the terminal.')
  .version(version)
  .addOption(
    new Option('-u, --url <url>', 'the GridBuilder API')
      .env('GRIDBUILDER_URL')
      .default('http://localhost:3000')
      .argParser(apiUrl),
  )
  .addOption(
    new Option(
      '-k, --api-key <key>',
      'API key, sent as "Authorization: Bearer <key>" (for a server with API_KEYS set)',
    ).env('GRIDBUILDER_API_KEY'),
  )
  .option('--json', 'print results as JSON (for scripts)')
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError(usageHint())
  .exitOverride()
  .addHelpText(
    'after',
    `
Example:
  gridbuilder add ./photos --grid trip && gridbuilder build --grid trip -o trip.jpg

API key:
  A server started with API_KEYS wants one of its keys on every API call. Prefer
  the environment (export GRIDBUILDER_API_KEY=...) to --api-key: other users of
  this machine can read a command line in the process list. The key is never sent
  to the presigned links of files and uploads, which carry their own signature.

Exit codes:
  0  success
  1  the server refused a request, or at least one upload failed
  2  bad command line (unknown option, missing or malformed value)
  3  the server could not be reached (is it running? is --url right?)
  4  the server wants an API key: none given, or not one of its keys (HTTP 401)`,
  );

for (const add of [
  serveCommand,
  addCommand,
  buildCommand,
  lsCommand,
  orderCommand,
  rmCommand,
  gcCommand,
]) {
  add(program);
}
for (const command of program.commands) {
  // The hint names the command whose --help explains the mistake: `--help` after
  // `gridbuilder build --tile-size big` is not what "(add --help for usage)" suggested
  // to everyone who read it as "gridbuilder add --help".
  command.exitOverride().showHelpAfterError(usageHint(command.name()));
}

// The command whose action runs, to name it when that action finds a usage error.
let running: Command | undefined;
program.hook('preAction', (_program, actionCommand) => {
  running = actionCommand;
});

// `gridbuilder ls --json | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

try {
  await program.parseAsync();
} catch (error) {
  process.exitCode = exitCodeOf(error);
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed the message (or the help or version asked for).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    console.error(`error: ${message}\n${usageHint(running?.name())}`);
    return EXIT.usage;
  }
  if (error instanceof UnreachableError) {
    console.error(
      `error: ${message}\nIs the server running (gridbuilder serve)? Is --url or GRIDBUILDER_URL right?`,
    );
    return EXIT.unreachable;
  }
  console.error(`error: ${message}`);
  return error instanceof UnauthorizedError ? EXIT.unauthorized : EXIT.failed;
}

/** What ends every usage error: where to read the usage of the command at hand. */
function usageHint(command?: string): string {
  return `(run gridbuilder ${command ? `${command} ` : ''}--help for usage)`;
}
