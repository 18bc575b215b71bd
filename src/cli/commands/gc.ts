import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { type Config, ConfigError, configOfProcess } from '../../config.js';
import { type GlobalOptions, plural, print, UsageError } from '../output.js';
import { wholeNumber } from './parsers.js';

interface GcOptions extends GlobalOptions {
  graceSeconds?: number;
  dataDir?: string;
}

export function gcCommand(program: Command): void {
  program
    .command('gc')
    .description(
      'Remove what crashes left in storage: images without a record, unconfirmed uploads (the same as npm run gc).',
    )
    .option(
      '--grace-seconds <n>',
      'spare anything younger than this (env GC_GRACE_SECONDS, default 900)',
      wholeNumber,
    )
    .option('-d, --data-dir <dir>', 'the local data folder to sweep (env DATA_DIR, default ./data)')
    .addHelpText(
      'after',
      `
Works on the storage itself, not through --url: run it where the server's data is
(the local data folder, or with STORAGE=aws and the buckets and table in the
environment, as the server reads them). Safe while the server runs: uploads in
flight are younger than the grace period. Locally it also removes built grids
older than GRID_RETENTION_DAYS (default 30; 0 keeps them): generate_grid rebuilds
them on demand, as on AWS, where S3 expires them.

Example:
  gridbuilder gc --data-dir ./data --grace-seconds 3600`,
    )
    .action(async (_options, command: Command) => {
      await gc(command.optsWithGlobals<GcOptions>());
    });
}

async function gc(options: GcOptions): Promise<void> {
  let config: Config;
  try {
    config = configOfProcess({
      overrides: {
        DATA_DIR: options.dataDir,
        GC_GRACE_SECONDS: options.graceSeconds?.toString(),
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (config.STORAGE === 'local' && !existsSync(config.DATA_DIR)) {
    // Sweeping would create an empty data folder here: surely not what was meant.
    throw new UsageError(
      `No data folder at ${config.DATA_DIR}: pass --data-dir (or DATA_DIR) as the server has it.`,
    );
  }
  // Loaded here, not at start: the storage code (SQLite, the AWS SDK) is heavy and
  // only gc and serve need it.
  const { collectGarbage, storageLocation } = await import('../../app/collect-garbage.js');
  const { housekeeping, ...swept } = await collectGarbage(config);
  print(
    options,
    {
      storage: config.STORAGE,
      ...storageLocation(config),
      graceSeconds: config.GC_GRACE_SECONDS,
      ...swept,
      // Only where the backend keeps built grids itself; on AWS, S3 lifecycle rules do.
      ...(housekeeping && { gridRetentionDays: config.GRID_RETENTION_DAYS, ...housekeeping }),
    },
    () => {
      const where = config.STORAGE === 'local' ? config.DATA_DIR : config.SOURCE_BUCKET;
      const removed = [
        plural(swept.unrecordedImages.length, 'unrecorded image'),
        `${plural(swept.unrecordedRenditions.length, 'rendition')} of unrecorded images`,
        plural(swept.abandonedUploads.length, 'unconfirmed upload'),
      ];
      const keys = [
        ...swept.unrecordedImages,
        ...swept.unrecordedRenditions,
        ...swept.abandonedUploads,
      ];
      if (housekeeping) {
        removed.push(
          `${plural(housekeeping.orphanedGrids.length, 'built grid')} of emptied grids`,
          `${plural(housekeeping.expiredGrids.length, 'built grid')} past ${config.GRID_RETENTION_DAYS} days`,
          plural(housekeeping.tempFiles, 'temp file'),
          plural(housekeeping.expiredBuilds, 'expired build record'),
        );
        keys.push(...housekeeping.orphanedGrids, ...housekeeping.expiredGrids);
      }
      return [
        `Swept ${where} (${config.STORAGE}), sparing anything younger than ${config.GC_GRACE_SECONDS} s:`,
        `removed ${removed.join(', ')}.`,
        ...keys.map((key) => `  ${key}`),
      ].join('\n');
    },
  );
}
