import type { Command } from 'commander';

interface ServeOptions {
  port?: string;
  host?: string;
  dataDir?: string;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('Start the GridBuilder server (the same as npm start).')
    .option('-p, --port <port>', 'HTTP port (env PORT, default 3000)')
    .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)')
    .option(
      '-d, --data-dir <dir>',
      'where images and the index live (env DATA_DIR, default ./data)',
    )
    .addHelpText(
      'after',
      `
With --api-key (or GRIDBUILDER_API_KEY), the server asks for that key on its API
routes, as the other commands send it; API_KEYS, when set, wins.
Every setting of the README's configuration table is read from the environment.`,
    )
    .action(async (options: ServeOptions, command: Command) => {
      const { apiKey } = command.optsWithGlobals<{ apiKey?: string }>();
      // Loaded here, not at start: the server's code (sharp, SQLite) is heavy. The same
      // config checks, logs and shutdown as npm start; API_KEYS, when set, wins.
      const { runServer } = await import('../../server/run-server.js');
      await runServer({
        overrides: { PORT: options.port, HOST: options.host, DATA_DIR: options.dataDir },
        fallbacks: { API_KEYS: apiKey },
      });
    });
}
