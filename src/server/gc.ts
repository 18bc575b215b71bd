import { collectGarbage, storageLocation } from '../app/collect-garbage.js';
import { sweepSummary } from '../app/sweep-storage.js';
import { ConfigError, loadConfig } from '../config.js';

/** `npm run gc`: one sweep of the configured storage; prints what it removed. */
async function main() {
  const config = loadConfig();
  const report = await collectGarbage(config);
  console.log(
    JSON.stringify({
      storage: config.STORAGE,
      ...storageLocation(config),
      ...sweepSummary(report),
    }),
  );
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
