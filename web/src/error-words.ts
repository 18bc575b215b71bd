/**
 * The API's errors in the page's words: its fields as the page labels them ("Tile
 * size", not tileSize), its buttons and sections, never a route or a header. The API
 * keeps its own messages for its own users; the page reads the `code` instead
 * (docs/CONTRACT.md, "Errors") and falls back to the message for a code it has no
 * words for.
 */

import type { StorageRefusal } from '../../src/client/errors.js';
import { INPUT_FORMATS } from '../../src/core/formats.js';
import { IMAGE_NAME_MAX } from '../../src/core/image-name.js';
import type { ErrorBody } from '../../src/http/api-types.js';

type ErrorCode = ErrorBody['code'];

/** A number field's range as the page's input states it (the API's range, from its HTML). */
function rangeOf(id: string): string {
  const input = document.getElementById(id) as HTMLInputElement | null;
  return `from ${input?.min} to ${input?.max}`;
}

const READABLE = Object.keys(INPUT_FORMATS)
  .map((format) => format.toUpperCase())
  .join(', ');

/** The build form's fields, by the name the API gives them. */
const FIELDS: Record<string, () => string> = {
  tileSize: () => `Tile size must be a whole number ${rangeOf('tile-size')}.`,
  columns: () => `Columns must be a whole number ${rangeOf('columns')}, or empty for about square.`,
  format: () => 'Choose one of the formats offered under Format.',
  crop: () => 'Choose one of the crops offered under Crop.',
  gap: () => `Gap must be a whole number of pixels ${rangeOf('gap')}.`,
  background: () => 'Choose a colour under Background.',
  // The page sends each file's own name: renaming the file is the fix.
  name: () =>
    `This file's name cannot be stored: rename the file (at most ${IMAGE_NAME_MAX} characters, no control characters) and add it again.`,
  layout: () => 'Choose one of the layouts offered under Layout.',
  labels: () => 'Choose one of the choices offered under Labels.',
  width: () =>
    `Width must be a whole number of pixels ${rangeOf('width')}, and more than twice the Gap.`,
};

const WORDS: Partial<Record<ErrorCode, (error: ErrorBody) => string | undefined>> = {
  invalid_grid_id: () =>
    'This grid id is not valid: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit.',
  invalid_parameter: (error) => (error.param ? FIELDS[error.param]?.() : undefined),
  empty_body: () => 'This file is empty.',
  order_mismatch: () =>
    "The grid's images changed meanwhile (in another window?): choose Refresh and arrange them again.",
  grid_too_large: () =>
    'The grid would be too large: choose a smaller Tile size, fewer Columns, a smaller Width, or another Format.',
  api_key_missing: () => 'This server needs an API key.',
  api_key_invalid: () => 'The server refused this API key.',
  link_expired: () => 'The upload took too long and its link expired: add the file again.',
  link_invalid: () => 'The upload link was refused: add the file again.',
  not_found: () =>
    'The server does not know this address: check the API address the page is set up with.',
  grid_empty: () => 'This grid has no images yet: add photos above first.',
  image_not_found: () =>
    'This image is no longer in the grid (removed elsewhere?): choose Refresh to see the grid as it is.',
  upload_not_found: () => 'The file did not arrive in time: add it again.',
  timeout: () => 'The upload stalled: check your connection and add the file again.',
  upload_used: () => 'This upload was sent already: add the file again to add it once more.',
  upload_size_mismatch: () => 'The file changed while it was being sent: add it again.',
  grid_changed: () =>
    'Images were removed while the grid was being built: choose Build grid again.',
  build_not_found: () =>
    'The server no longer knows this build (builds are kept a day, their grids until removed): choose Build grid again.',
  build_failed: () =>
    'The build failed on the server after several tries: choose Build grid to try again.',
  build_stalled: () =>
    'The build stopped on the server without finishing: choose Build grid to start it again.',
  body_too_large: () => 'This file is too large for the server: choose a smaller one.',
  too_many_pixels: () =>
    'This image has too many pixels for the server: scale it down and add it again.',
  not_an_image: () => 'This file is not an image.',
  unsupported_format: () => `This image format is not supported: use ${READABLE}.`,
  corrupt_image: () => 'This image is damaged or incomplete and cannot be read.',
  internal: () => 'Something went wrong on the server: please try again.',
  overloaded: () => 'The server is busy: try again in a few seconds.',
  storage_unavailable: () => 'The server cannot reach its storage right now: try again shortly.',
  storage_full: () =>
    "The server's storage is full: remove images or grids you no longer need, or ask its operator for more space.",
};

/** The page's sentence for an API error answer, or undefined when it has none. */
export function pageWords(error: ErrorBody): string | undefined {
  return WORDS[error.code]?.(error);
}

/** The page's sentence for a file whose bytes storage (S3 on AWS) refused. */
export function pageRefusalWords(status: number, { reason, code }: StorageRefusal): string {
  switch (reason) {
    case 'changed':
      return 'The file changed while it was being sent: add it again.';
    case 'expired':
      return 'The upload took too long and its link expired: add the file again.';
    case 'too_large':
      return 'This file is too large for the storage: choose a smaller one.';
    case 'unavailable':
      return 'The storage could not take the file right now: add it again shortly.';
    default:
      return `The storage refused the upload (${code ?? `HTTP ${status}`}): add the file again.`;
  }
}
