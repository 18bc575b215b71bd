import { writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { OUTPUT_FORMAT_NAMES, OUTPUT_FORMATS, type OutputFormat } from '../../core/formats.js';
import { COLUMNS_RANGE, TILE_SIZE_RANGE } from '../../core/grid-options.js';
import { clientFor, formatBytes, type GlobalOptions, plural, print } from '../output.js';
import { gridId, integerIn } from './parsers.js';

interface BuildOptions extends GlobalOptions {
  grid: string;
  tileSize?: number;
  columns?: number;
  format?: OutputFormat;
  output?: string;
}

export function buildCommand(program: Command): void {
  program
    .command('build')
    .description('Build the grid image and download it.')
    .requiredOption('-g, --grid <id>', 'the grid to build', gridId)
    .option(
      '-t, --tile-size <px>',
      `tile edge in pixels, ${TILE_SIZE_RANGE.min} to ${TILE_SIZE_RANGE.max} (server default 300)`,
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
    .option('-o, --output <file>', 'where to save the image (default: GRID.EXT here)')
    .addHelpText(
      'after',
      `
Example:
  gridbuilder build --grid trip --tile-size 200 -o trip.jpg`,
    )
    .action(async (_options, command: Command) => {
      await build(command.optsWithGlobals<BuildOptions>());
    });
}

async function build(options: BuildOptions): Promise<void> {
  const client = clientFor(options);
  const built = await client.buildGrid(options.grid, {
    tileSize: options.tileSize,
    columns: options.columns,
    format: options.format,
  });
  const bytes = await client.download(built.presigned_url);
  const extension = OUTPUT_FORMATS[built.format as OutputFormat]?.extension ?? built.format;
  const file = options.output ?? `${options.grid}.${extension}`;
  await writeFile(file, bytes);
  print(
    options,
    { ...built, file, bytes: bytes.length },
    () =>
      `Saved ${file}: ${built.width}x${built.height} px, ${formatBytes(bytes.length)}, ` +
      `${plural(built.image_count, 'image')} in ${built.columns}x${built.rows} tiles of ${built.tile_size} px.\n` +
      `Link (until ${new Date(built.expires_at).toLocaleTimeString()}): ${built.presigned_url}`,
  );
}
