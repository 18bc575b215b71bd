import { ConfigError, loadConfig } from '../config.js';
import { collectGarbage } from '../gc.js';
import { sweepSummary } from '../storage/local/sweep.js';

/** `npm run gc`: one sweep of the configured storage; prints what it removed. */
async function main() {
  const config = loadConfig();
  const report = await collectGarbage(config);
  const where =
    config.STORAGE === 'local'
      ? { dataDir: config.DATA_DIR }
      : { sourceBucket: config.SOURCE_BUCKET, table: config.TABLE_NAME };
  console.log(JSON.stringify({ storage: config.STORAGE, ...where, ...sweepSummary(report) }));
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
