import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import pLimit from 'p-limit';
import { monotonicFactory } from 'ulid';
import { MAX_BATCH_INDEX } from '../../core/order.js';
import { type ImageSaved, UnauthorizedError, UnreachableError } from '../api-client.js';
import { findImages } from '../find-images.js';
import { clientFor, EXIT, formatBytes, type GlobalOptions, plural, UsageError } from '../output.js';
import { gridId, positiveInteger } from './parsers.js';

interface AddOptions extends GlobalOptions {
  grid: string;
  concurrency: number;
}

type Outcome = { file: string; saved: ImageSaved } | { file: string; error: string };

export function addCommand(program: Command): void {
  program
    .command('add')
    .description('Upload images (files, or folders walked recursively) to a grid.')
    .argument('<files-or-folders...>', 'images, or folders holding them')
    .requiredOption('-g, --grid <id>', 'the grid to add to', gridId)
    .option(
      '--concurrency <n>',
      'uploads at once (1 keeps the exact file order in the grid)',
      positiveInteger,
      4,
    )
    // -c is --columns (build), as in collage and montage tools; it used to be
    // --concurrency here. Kept, hidden, only to refuse it with what to write instead:
    // without it, `add -c 2` would be an unknown option with no hint.
    .addOption(new Option('-c <n>').hideHelp())
    .addHelpText(
      'after',
      `
Non-images are skipped with a warning. Files over 4 MB use the two-step upload.
Tiles follow the order of the files, whatever order their uploads arrive in: the
arguments in the order given, each folder's contents in name order (photo2 before
photo10), after the grid's earlier images. Rearrange with gridbuilder order.
Exit code 1 when any upload failed.

Example:
  gridbuilder add ./photos --grid trip`,
    )
    .action(async (inputs: string[], _options, command: Command) => {
      const options = command.optsWithGlobals<AddOptions & { c?: string }>();
      if (options.c !== undefined) {
        throw new UsageError(
          `-c is short for --columns (gridbuilder build); for uploads at once, write --concurrency ${options.c}.`,
        );
      }
      process.exitCode = await add(inputs, options);
    });
}

async function add(inputs: string[], options: AddOptions): Promise<number> {
  const client = clientFor(options);
  const { images, skipped } = await findImages(inputs);
  for (const skip of skipped) {
    if (!options.json) console.warn(`warning: skipping ${skip.path}: ${skip.reason}`);
  }
  if (images.length === 0) {
    throw new UsageError('No images to upload among the files and folders given.');
  }

  const totalBytes = images.reduce((sum, image) => sum + image.size, 0);
  const started = performance.now();
  let bytesDone = 0;
  const rate = () => bytesDone / Math.max((performance.now() - started) / 1000, 0.001);
  const progress = () => ({
    bytes: `${formatBytes(bytesDone)}/${formatBytes(totalBytes)}`,
    rate: `${formatBytes(rate())}/s`,
  });

  // A bar only where a person watches; scripts and logs get the summary alone.
  const bars =
    process.stderr.isTTY && !options.json
      ? new cliProgress.MultiBar(
          {
            format: ' {bar} {value}/{total} files | {bytes} | {rate} | {failed} failed',
            barsize: 20,
            hideCursor: true,
            clearOnComplete: false,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  const bar = bars?.create(images.length, 0, { ...progress(), failed: 0 });

  // One outcome a file, by its position, so the summary lists files in the order given.
  const outcomes: Outcome[] = [];
  let failures = 0;
  const limit = pLimit(options.concurrency);
  // One batch for the run (one more for each 100,000 files): each file keeps its place.
  const perBatch = MAX_BATCH_INDEX + 1;
  const newBatch = monotonicFactory();
  const batches = Array.from({ length: Math.ceil(images.length / perBatch) }, () => newBatch());
  await Promise.all(
    images.map((image, index) =>
      limit(async () => {
        const file = image.path;
        try {
          const saved = await client.upload(options.grid, await readFile(file), {
            name: basename(file),
            placement: {
              batch: batches[Math.floor(index / perBatch)] as string,
              index: index % perBatch,
            },
          });
          outcomes[index] = { file, saved };
        } catch (error) {
          if (error instanceof UnreachableError || error instanceof UnauthorizedError) {
            // No server, or no valid key: the same for every file. Stop and say so once.
            limit.clearQueue();
            throw error;
          }
          failures += 1;
          outcomes[index] = { file, error: (error as Error).message };
          const line = `error: ${file}: ${(error as Error).message}`;
          if (bars) bars.log(`${line}\n`);
          else if (!options.json) console.error(line);
        }
        bytesDone += image.size;
        bar?.increment(1, { ...progress(), failed: failures });
      }),
    ),
  ).finally(() => {
    // MultiBar.stop() drops the log lines it has not drawn yet (cli-progress 3.12 draws
    // them with the bars, a few times a second): the error of a file that fails just
    // before the end was lost. Draw once more, then stop.
    bars?.update();
    bars?.stop();
  });

  const seconds = (performance.now() - started) / 1000;
  const added = outcomes.flatMap((o) => ('saved' in o ? [{ file: o.file, ...o.saved }] : []));
  const failed = outcomes.flatMap((o) =>
    'error' in o ? [{ file: o.file, message: o.error }] : [],
  );
  const summary = {
    grid: options.grid,
    added: added.map(({ file, image_id, name, width, height, format, image_size }) => ({
      file,
      image_id,
      name,
      width,
      height,
      format,
      image_size,
    })),
    failed,
    skipped: skipped.map((skip) => ({ file: skip.path, reason: skip.reason })),
    bytes: totalBytes,
    seconds: Number(seconds.toFixed(3)),
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const parts = [
      `Added ${added.length} of ${plural(images.length, 'image')} to grid ${options.grid}`,
      `${formatBytes(totalBytes)} in ${seconds.toFixed(1)} s (${formatBytes(totalBytes / Math.max(seconds, 0.001))}/s)`,
    ];
    if (skipped.length) parts.push(`${skipped.length} skipped`);
    if (failed.length) parts.push(`${failed.length} failed:`);
    console.log(parts.join(', '));
    // Every failed file and why, in one place: the errors above may have scrolled away
    // among hundreds of files, or gone to another stream than this summary.
    for (const { file, message } of failed) console.log(`  ${file}: ${message}`);
    if (!failed.length) {
      console.log(`Build it: gridbuilder build --grid ${options.grid} -o ${options.grid}.jpg`);
    }
  }
  return failed.length ? EXIT.failed : EXIT.ok;
}
