import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startServer } from './start-server.js';

/** `npm start`: the GridBuilder server on the configured storage. */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
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

main().catch((error) => {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `Port ${process.env.PORT ?? 3000} is already in use: stop the other server or set PORT to a free port.`,
    );
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
