import type { Command } from 'commander';
import { clientFor, formatBytes, type GlobalOptions, plural, print } from '../output.js';
import { gridId } from './parsers.js';

interface LsOptions extends GlobalOptions {
  grid: string;
}

export function lsCommand(program: Command): void {
  program
    .command('ls')
    .description("List a grid's images in upload order (the order of the tiles).")
    .requiredOption('-g, --grid <id>', 'the grid to list', gridId)
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<LsOptions>();
      const listing = await clientFor(options).listImages(options.grid);
      print(options, listing, () => {
        if (listing.images.length === 0) return `Grid ${options.grid} has no images.`;
        const rows = listing.images.map((image, index) => [
          String(index + 1),
          image.image_id,
          `${image.width}x${image.height}`,
          image.format,
          formatBytes(image.image_size),
          image.uploaded_at,
          // Last, as it may hold spaces: the columns before it stay fields a script can split.
          // "-": added without a name, or before names were kept.
          image.name ?? '-',
        ]);
        const header = ['#', 'IMAGE_ID', 'SIZE', 'FORMAT', 'BYTES', 'UPLOADED', 'NAME'];
        const widths = header.map((title, column) =>
          Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
        );
        const line = (cells: string[]) =>
          cells
            .map((cell, column) => cell.padEnd(widths[column] ?? 0))
            .join('  ')
            .trimEnd();
        return [
          line(header),
          ...rows.map(line),
          `${plural(listing.image_count, 'image')} in grid ${options.grid}.`,
        ].join('\n');
      });
    });
}
