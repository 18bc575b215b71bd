import { ConfigError, loadConfig } from '../config.js';
import { collectGarbage } from '../gc.js';
import { sweepSummary } from '../storage/local/sweep.js';

/** `npm run gc`: one sweep of the configured local data folder; prints what it removed. */
async function main() {
  const config = loadConfig();
  const report = await collectGarbage(config);
  if (!report) {
    console.log(
      'STORAGE=aws: nothing to do here; the S3 lifecycle rules expire unrecorded uploads.',
    );
    return;
  }
  console.log(JSON.stringify({ dataDir: config.DATA_DIR, ...sweepSummary(report) }));
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
