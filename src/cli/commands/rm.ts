import type { Command } from 'commander';
import { IMAGE_ID_PATTERN } from '../../core/ids.js';
import { clientFor, type GlobalOptions, plural, print, UsageError } from '../output.js';
import { gridId } from './parsers.js';

interface RmOptions extends GlobalOptions {
  grid: string;
  all?: boolean;
}

export function rmCommand(program: Command): void {
  program
    .command('rm')
    .description('Remove images from a grid, or (with --all) the whole grid.')
    .argument('[image-ids...]', 'image ids, as `gridbuilder ls` shows them')
    .requiredOption('-g, --grid <id>', 'the grid', gridId)
    .option('--all', 'remove every image and built grid of the grid')
    .addHelpText(
      'after',
      `
Examples:
  gridbuilder rm --grid trip 01J9Z3K5R8X2V6W4T0Q7M1N3B5
  gridbuilder rm --grid trip --all`,
    )
    .action(async (imageIds: string[], _options, command: Command) => {
      const options = command.optsWithGlobals<RmOptions>();
      if (options.all && imageIds.length) {
        throw new UsageError('Give image ids or --all, not both.');
      }
      if (!options.all && imageIds.length === 0) {
        throw new UsageError('Name the image ids to remove, or pass --all to remove the grid.');
      }
      const bad = imageIds.find((id) => !IMAGE_ID_PATTERN.test(id));
      if (bad) {
        throw new UsageError(
          `"${bad}" is not an image id: use the 26-character ids of gridbuilder ls.`,
        );
      }
      const client = clientFor(options);
      if (options.all) {
        const deleted = await client.deleteGrid(options.grid);
        print(
          options,
          deleted,
          () => `Removed grid ${options.grid} (${plural(deleted.deleted_images, 'image')}).`,
        );
        return;
      }
      const removed: string[] = [];
      for (const imageId of imageIds) {
        await client.deleteImage(options.grid, imageId);
        removed.push(imageId);
      }
      print(
        options,
        { grid: options.grid, removed },
        () => `Removed ${plural(removed.length, 'image')} from grid ${options.grid}.`,
      );
    });
}
