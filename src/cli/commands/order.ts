import type { Command } from 'commander';
import { IMAGE_ID_PATTERN } from '../../core/ids.js';
import { clientFor, type GlobalOptions, plural, print, UsageError } from '../output.js';
import { gridId } from './parsers.js';

interface OrderOptions extends GlobalOptions {
  grid: string;
}

export function orderCommand(program: Command): void {
  program
    .command('order')
    .description("Rearrange a grid's images: the named ones first, in the order named.")
    .argument('<image-ids...>', 'image ids, as `gridbuilder ls` shows them')
    .requiredOption('-g, --grid <id>', 'the grid', gridId)
    .addHelpText(
      'after',
      `
The images not named keep their order after the named ones, so naming one image
moves it to the top left. The next build follows the new order.

Examples:
  gridbuilder order --grid trip 01J9Z3K5R8X2V6W4T0Q7M1N3B5
  gridbuilder order --grid trip $(gridbuilder ls --grid trip --json | jq -r '.images | reverse | .[].image_id')`,
    )
    .action(async (imageIds: string[], _options, command: Command) => {
      const options = command.optsWithGlobals<OrderOptions>();
      const bad = imageIds.find((id) => !IMAGE_ID_PATTERN.test(id));
      if (bad) {
        throw new UsageError(
          `"${bad}" is not an image id: use the 26-character ids of gridbuilder ls.`,
        );
      }
      const client = clientFor(options);
      const current = (await client.listImages(options.grid)).images.map((i) => i.image_id);
      const named = new Set(imageIds);
      const unknown = imageIds.filter((id) => !current.includes(id));
      if (unknown.length > 0) {
        throw new UsageError(
          `Grid ${options.grid} has no image ${unknown.join(', ')}: see gridbuilder ls --grid ${options.grid}.`,
        );
      }
      const order = [...named, ...current.filter((id) => !named.has(id))];
      const saved = await client.reorder(options.grid, order);
      print(
        options,
        saved,
        () => `Rearranged grid ${options.grid} (${plural(saved.image_ids.length, 'image')}).`,
      );
    });
}
