import { type Config, ConfigError, configOfProcess } from '../config.js';
import { createLogger } from '../logger.js';
import { startServer } from './start-server.js';

/**
 * Runs the GridBuilder server as a process (`npm start`, `gridbuilder serve`): checks
 * the configuration, starts, and shuts down gracefully on SIGINT or SIGTERM. A problem
 * is told on stderr and ends the process. `settings`: a command's flags over the
 * environment, and its fallbacks under it.
 */
export async function runServer(settings: Parameters<typeof configOfProcess>[0] = {}) {
  let config: Config;
  try {
    config = configOfProcess(settings);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  try {
    await serve(config);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        `Port ${config.PORT} is already in use: stop the other server or set PORT to a free port.`,
      );
    } else {
      console.error(error instanceof Error ? error.message : error);
    }
    process.exit(1);
  }
}

async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL);
  const server = await startServer(config, logger);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      // A second signal is not caught (once): it ends the process at once.
      logger.info(
        { signal, graceMs: config.SHUTDOWN_GRACE_MS },
        'shutting down: refusing new connections, finishing the requests in flight',
      );
      await server.shutdown(config.SHUTDOWN_GRACE_MS);
      logger.info('stopped');
      process.exit(0);
    });
  }
}
