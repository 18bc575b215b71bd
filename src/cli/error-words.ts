/**
 * The API's errors in the CLI's words: its flags (--tile-size, not tileSize), its
 * commands (gridbuilder add, not POST /add_image) and where its key comes from (not
 * an Authorization header). The API keeps its own messages for its own users; the CLI
 * reads the `code` instead (docs/CONTRACT.md, "Errors") and falls back to the message
 * for a code it has no words for.
 */

import type { ErrorContext, StorageRefusal } from '../client/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { INPUT_FORMAT_NAMES, OUTPUT_FORMAT_NAMES } from '../core/formats.js';
import {
  COLUMNS_RANGE,
  CROPS,
  GAP_RANGE,
  LABELS,
  LAYOUTS,
  TILE_SIZE_RANGE,
  WIDTH_RANGE,
} from '../core/grid-options.js';
import { GRID_ID_INVALID } from '../core/ids.js';
import { IMAGE_NAME_MAX } from '../core/image-name.js';
import type { ErrorBody } from '../http/api-types.js';

const whole = (flag: string, range: { min: number; max: number }) =>
  `${flag} must be a whole number from ${range.min} to ${range.max}.`;

/** The build's flags, by the name the API gives them. */
const FLAGS: Record<string, string> = {
  uniqueGridId: GRID_ID_INVALID.replace('uniqueGridId', '--grid'),
  tileSize: whole('--tile-size', TILE_SIZE_RANGE),
  columns: whole('--columns', COLUMNS_RANGE),
  format: `--format must be one of ${OUTPUT_FORMAT_NAMES.join(', ')}.`,
  crop: `--crop must be one of ${CROPS.join(', ')}.`,
  gap: whole('--gap', GAP_RANGE),
  background: '--background must be a colour as 6 hex digits, like ffffff.',
  // Sent for each file by gridbuilder add: the file's name is what to change.
  name: `The file's name cannot be stored: rename the file (at most ${IMAGE_NAME_MAX} characters, no control characters) and run gridbuilder add again.`,
  layout: `--layout must be one of ${LAYOUTS.join(', ')}.`,
  labels: `--labels must be one of ${LABELS.join(', ')}.`,
  width: `--width must be a whole number from ${WIDTH_RANGE.min} to ${WIDTH_RANGE.max}, at least 2 x --gap + 1, with --layout justified.`,
};

const AGAIN = 'run gridbuilder add again for this file';

const WORDS: Partial<
  Record<ErrorCode, (error: ErrorBody, about: ErrorContext) => string | undefined>
> = {
  invalid_grid_id: () => FLAGS.uniqueGridId,
  invalid_parameter: (error) => (error.param ? FLAGS[error.param] : undefined),
  empty_body: () => 'The file is empty.',
  // gridbuilder order sends every image it listed: the grid changed since.
  order_mismatch: (_, { grid }) =>
    `Images were added to or removed from grid ${grid} meanwhile: run gridbuilder order again.`,
  grid_too_large: () =>
    'The grid would be too large: use a smaller --tile-size, fewer --columns, a smaller --width, or another --format.',
  api_key_missing: () =>
    'This server needs an API key: pass --api-key KEY or set GRIDBUILDER_API_KEY.',
  api_key_invalid: () =>
    'The API key given (--api-key or GRIDBUILDER_API_KEY) was refused: check it.',
  link_expired: () => 'The link expired before it was used: run the command again.',
  link_invalid: () => 'The server refused the link it gave: run the command again.',
  not_found: () =>
    'The server has no such route: is --url (or GRIDBUILDER_URL) the GridBuilder API?',
  grid_empty: (_, { grid }) =>
    `Grid ${grid} has no images yet: add some first with gridbuilder add PHOTOS --grid ${grid}.`,
  image_not_found: (_, { grid, image }) =>
    `Grid ${grid} has no image ${image} (removed already?): see gridbuilder ls --grid ${grid}.`,
  upload_not_found: () => `The upload did not arrive in time: ${AGAIN}.`,
  timeout: () => `The upload stalled: check the connection and ${AGAIN}.`,
  upload_used: () => `The upload link was used already: ${AGAIN}.`,
  upload_size_mismatch: () => `The file changed while it was being sent: ${AGAIN}.`,
  grid_changed: (_, { grid }) =>
    `Images of grid ${grid} were removed while it was being built: run gridbuilder build again.`,
  build_not_found: (_, { grid }) =>
    `The server no longer knows this build of grid ${grid} (builds are kept a day, their grids until removed): run gridbuilder build again.`,
  build_failed: () =>
    'The build failed on the server 3 times (it logged why): run gridbuilder build again.',
  build_stalled: () =>
    'The build stopped on the server without finishing: run gridbuilder build again to start it anew.',
  body_too_large: () => 'The file is larger than the server accepts: scale it down.',
  too_many_pixels: () => 'The image has more pixels than the server accepts: scale it down.',
  not_an_image: () => 'The file is not an image.',
  unsupported_format: () => `The image format is not supported: use one of ${INPUT_FORMAT_NAMES}.`,
  corrupt_image: () => 'The image is truncated or corrupt and cannot be read.',
  internal: () => 'The server failed unexpectedly (it logged why): try again.',
  overloaded: () => 'The server is busy: try again in a few seconds.',
  storage_unavailable: () => 'The server cannot reach its storage: try again shortly.',
  storage_full: () =>
    "The server's storage is full: remove grids or images you no longer need (gridbuilder rm), or give it more disk space.",
};

/** The CLI's sentence for an API error answer, or undefined when it has none. */
export function cliWords(error: ErrorBody, about: ErrorContext): string | undefined {
  return WORDS[error.code]?.(error, about);
}

/** The CLI's sentence for a direct upload that storage (S3 on AWS) refused. */
export function cliRefusalWords(status: number, { reason, code, message }: StorageRefusal): string {
  const said = code ? `${code}${message ? `: ${message}` : ''}` : `HTTP ${status}`;
  switch (reason) {
    case 'changed':
      return `The file changed while it was being sent: ${AGAIN}.`;
    case 'expired':
      return `The upload link expired before the file was sent: ${AGAIN}.`;
    case 'too_large':
      return 'The file is larger than the storage accepts: scale it down.';
    case 'unavailable':
      return `The storage could not take the file (${said}): ${AGAIN} shortly.`;
    default:
      return `The storage refused the upload (${said}): ${AGAIN}.`;
  }
}
