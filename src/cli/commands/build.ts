import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { gridArrangement, gridLooks } from '../../client/grid-looks.js';
import { OUTPUT_FORMAT_NAMES, OUTPUT_FORMATS, type OutputFormat } from '../../core/formats.js';
import {
  COLUMNS_RANGE,
  CROPS,
  type Crop,
  GAP_RANGE,
  justifiedWidthProblem,
  LABELS,
  LAYOUTS,
  type Labels,
  type Layout,
  TILE_SIZE_RANGE,
  WIDTH_RANGE,
} from '../../core/grid-options.js';
import { buildProgress } from '../build-progress.js';
import {
  clientFor,
  formatBytes,
  type GlobalOptions,
  plural,
  print,
  UsageError,
} from '../output.js';
import { colour, gridId, integerIn } from './parsers.js';

interface BuildOptions extends GlobalOptions {
  grid: string;
  tileSize?: number;
  columns?: number;
  format?: OutputFormat;
  crop?: Crop;
  gap?: number;
  background?: string;
  layout?: Layout;
  labels?: Labels;
  width?: number;
  output?: string;
}

export function buildCommand(program: Command): void {
  program
    .command('build')
    .description('Build the grid image and download it.')
    .requiredOption('-g, --grid <id>', 'the grid to build', gridId)
    .option(
      '-t, --tile-size <px>',
      `tile edge in pixels, ${TILE_SIZE_RANGE.min} to ${TILE_SIZE_RANGE.max} (server default 300); with --layout justified, the row height aimed at`,
      integerIn(TILE_SIZE_RANGE),
    )
    .option(
      '-c, --columns <n>',
      `columns, ${COLUMNS_RANGE.min} to ${COLUMNS_RANGE.max} (default: about square)`,
      integerIn(COLUMNS_RANGE),
    )
    .addOption(
      new Option('-f, --format <format>', 'output format (default jpeg)').choices(
        OUTPUT_FORMAT_NAMES,
      ),
    )
    .addOption(
      new Option(
        '--crop <crop>',
        "how each photo is cut to its square tile: center (default, the lab's), attention (the most salient part) or entropy (the busiest part)",
      ).choices(CROPS),
    )
    .option(
      '--gap <px>',
      `pixels between the tiles and around the grid, ${GAP_RANGE.min} to ${GAP_RANGE.max} (default 0)`,
      integerIn(GAP_RANGE),
    )
    .option(
      '--background <colour>',
      'colour of the gaps and empty cells, as 6 hex digits: ffffff or "#ffffff" (default black)',
      colour,
    )
    .addOption(
      new Option(
        '--layout <layout>',
        "grid (default, the lab's: square tiles) or justified (every photo whole, in rows of equal height)",
      ).choices(LAYOUTS),
    )
    .option(
      '--width <px>',
      `with --layout justified: the image's width, gaps included, ${WIDTH_RANGE.min} to ${WIDTH_RANGE.max} (default: about square)`,
      integerIn(WIDTH_RANGE),
    )
    .addOption(
      new Option(
        '--labels <labels>',
        "none (default, the lab's) or name: each image's file name under its photo",
      ).choices(LABELS),
    )
    .option('-o, --output <file>', 'where to save the image (default: GRID.EXT here)')
    .addHelpText(
      'after',
      `
A build too long for one request goes on in the background on the server: the
command waits for it, with a progress bar on a terminal (a line at each tenth
of the way on stderr otherwise).

Example:
  gridbuilder build --grid trip --tile-size 200 -o trip.jpg
  gridbuilder build --grid trip --crop attention
  gridbuilder build --grid trip --gap 8 --background ffffff
  gridbuilder build --grid trip --layout justified --width 1600 --tile-size 240`,
    )
    .action(async (_options, command: Command) => {
      await build(command.optsWithGlobals<BuildOptions>());
    });
}

async function build(options: BuildOptions): Promise<void> {
  checkWidth(options);
  // Before the server spends a build on it: a grid that cannot be saved is a typo in -o.
  await checkOutput(
    options.output ?? `${options.grid}.${OUTPUT_FORMATS[options.format ?? 'jpeg'].extension}`,
    options.output !== undefined,
  );
  const client = clientFor(options);
  const progress = buildProgress(options.grid, Boolean(process.stderr.isTTY) && !options.json);
  const built = await client
    .buildGrid(
      options.grid,
      {
        tileSize: options.tileSize,
        columns: options.columns,
        format: options.format,
        crop: options.crop,
        gap: options.gap,
        background: options.background,
        layout: options.layout,
        width: options.width,
        labels: options.labels,
      },
      { onProgress: (done, total) => progress.update(done, total) },
    )
    .finally(() => progress.stop());
  const bytes = await client.download(built.presigned_url);
  const extension = OUTPUT_FORMATS[built.format as OutputFormat]?.extension ?? built.format;
  const file = options.output ?? `${options.grid}.${extension}`;
  await writeFile(file, bytes);
  print(
    options,
    { ...built, file, bytes: bytes.length },
    () =>
      `Saved ${file}: ${built.width}x${built.height} px, ${formatBytes(bytes.length)}, ` +
      `${plural(built.image_count, 'image')} in ${gridArrangement(built, 'x')}${gridLooks(built)
        .map((words) => `, ${words}`)
        .join('')}.\n` +
      `Link (until ${new Date(built.expires_at).toLocaleTimeString()}): ${built.presigned_url}`,
  );
}

/** Refuses (exit 2) a width the server would refuse with the other flags given. */
function checkWidth({ width, layout, gap = 0 }: BuildOptions): void {
  if (width === undefined) return;
  if (layout !== 'justified') {
    throw new UsageError(
      '--width applies to --layout justified only: add it, or leave --width out.',
    );
  }
  const problem = justifiedWidthProblem(width, gap);
  if (problem) throw new UsageError(`--${problem.replace('gap=', '--gap ')}`);
}

/**
 * Refuses (exit 2) a file the grid could not be saved to: its folder is missing, is not a
 * folder, or is not writable, or the file is a folder or read-only. Without this, the
 * server built the grid and the CLI then failed with a bare ENOENT.
 */
async function checkOutput(file: string, given: boolean): Promise<void> {
  const name = given ? `-o ${file}` : `Cannot save ${file} here (choose another file with -o)`;
  const folder = dirname(resolve(file));
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new UsageError(
      `${name}: that is a folder; name a file, e.g. -o ${join(file, 'grid.jpg')}.`,
    );
  }
  const parent = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
  if (parent instanceof Error) {
    throw new UsageError(
      parent.code === 'ENOENT'
        ? `${name}: the folder ${folder} does not exist.`
        : `${name}: ${folder} is not a folder.`,
    );
  }
  if (!parent.isDirectory()) throw new UsageError(`${name}: ${folder} is not a folder.`);
  try {
    await access(existing ? file : folder, constants.W_OK);
  } catch {
    throw new UsageError(
      existing
        ? `${name}: the file is not writable.`
        : `${name}: the folder ${folder} is not writable.`,
    );
  }
}
