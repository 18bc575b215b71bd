import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../core/errors.js';
import { OUTPUT_FORMAT_NAMES } from '../core/formats.js';
import {
  COLUMNS_RANGE,
  CROPS,
  DEFAULT_BACKGROUND,
  DEFAULT_CROP,
  DEFAULT_LABELS,
  DEFAULT_LAYOUT,
  GAP_RANGE,
  justifiedWidthProblem,
  LABELS,
  LAYOUTS,
  parseBackground,
  TILE_SIZE_RANGE,
  WIDTH_RANGE,
} from '../core/grid-options.js';
import {
  BUILD_ID_INVALID,
  BUILD_ID_PATTERN,
  GRID_ID_INVALID,
  GRID_ID_MISSING,
  GRID_ID_PATTERN,
  IMAGE_ID_PATTERN,
} from '../core/ids.js';
import { IMAGE_NAME_MAX } from '../core/image-name.js';
import { DEFAULT_PAGE_LIMIT, PAGE_BYTES, PAGE_LIMIT_RANGE } from '../core/listing-pages.js';
import { MAX_BATCH_INDEX } from '../core/order.js';
import { UPLOAD_SIZE_INVALID } from '../core/upload-size.js';

/** Request and response shapes: they validate requests and generate /openapi.json. */

export const GridId = z
  .string({ error: (issue) => (issue.input === undefined ? GRID_ID_MISSING : GRID_ID_INVALID) })
  .min(1, { error: GRID_ID_MISSING })
  .regex(GRID_ID_PATTERN, { error: GRID_ID_INVALID })
  .openapi({ example: 'my-trip', description: 'Names the grid: 1-128 of A-Z a-z 0-9 . _ -' });

/**
 * A query option of plain decimal digits. `z.coerce.number` would use `Number()`, which
 * also reads `0x40`, `1e2`, `+100` and surrounding spaces: a typo would then build a
 * grid nobody asked for. Anything but digits stays a string, which the number refuses.
 */
const digits = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : value),
    schema,
  );

const wholeNumber = (name: string, range: { min: number; max: number }) => {
  const message = `${name} must be a whole number from ${range.min} to ${range.max}.`;
  return digits(
    z
      .number({ error: message })
      .int({ error: message })
      .min(range.min, { error: message })
      .max(range.max, { error: message }),
  );
};

export const GridQuery = z.object({ uniqueGridId: GridId.optional() });

/** Where an upload goes in its grid when several are sent at once (src/core/order.ts). */
export const PlacementQuery = z.object({
  batch: z.string().optional().openapi({
    description:
      'With index: a ULID the client makes when a batch of uploads starts; the batch takes its place in the grid at that time, its files in index order, whatever order they arrive in',
    example: '01M8SP7YMJGMQ2KE0TGBPJ3B4A',
  }),
  index: wholeNumber('index', { min: 0, max: MAX_BATCH_INDEX })
    .optional()
    .openapi({ description: "With batch: the file's place in its batch, from 0", example: 0 }),
});
/** Checked by the service (src/core/image-name.ts), the same for every edge. */
const ImageName = z
  .string()
  .optional()
  .openapi({
    description: `The file's name, stored with the image and given back in listings (names need not be unique). Only the base name is kept (anything up to the last / or \\ is removed), in Unicode NFC: 1-${IMAGE_NAME_MAX} characters, not only spaces, no control characters (else 400 invalid_parameter, param name)`,
    example: 'beach.jpg',
    maxLength: IMAGE_NAME_MAX,
  });

export const AddImageQuery = GridQuery.merge(PlacementQuery).extend({
  name: ImageName.openapi({
    description:
      "The file's name, as for uploads; without it, the `filename*` or `filename` of a `Content-Disposition` header (RFC 6266), if any",
  }),
});

/** Its upper bound is MAX_UPLOAD_BYTES, the server's setting: over it, 413 (src/core/upload-size.ts). */
export const UploadQuery = PlacementQuery.extend({
  name: ImageName,
  size: digits(
    z
      .number({ error: UPLOAD_SIZE_INVALID })
      .int({ error: UPLOAD_SIZE_INVALID })
      .min(1, { error: UPLOAD_SIZE_INVALID }),
  ).openapi({
    description:
      "The file's size in bytes. The upload URL takes a body of exactly this size: storage refuses any other (on S3, 403 SignatureDoesNotMatch; locally, 400 or 413 upload_size_mismatch). Over the server's upload limit: 413 body_too_large",
    example: 6_291_456,
  }),
});

export const NewOrder = z
  .object({
    image_ids: z
      .array(
        z.string().regex(IMAGE_ID_PATTERN, {
          error: 'image_ids must be the 26-character image_ids of the grid.',
        }),
        { error: "image_ids must be an array of the grid's image_ids." },
      )
      .max(100_000)
      .openapi({ description: 'Every image_id of the grid, each once, in the new order' }),
  })
  .openapi('NewOrder');

export const OrderSaved = z
  .object({
    message: z.literal('order saved'),
    uniqueGridId: z.string(),
    image_ids: z.array(z.string()),
  })
  .openapi('OrderSaved');
export const BuildQuery = GridQuery.extend({
  tileSize: wholeNumber('tileSize', TILE_SIZE_RANGE).optional().openapi({
    description: 'Tile edge in pixels (default 300); with layout=justified, the target row height',
    example: 300,
  }),
  columns: wholeNumber('columns', COLUMNS_RANGE)
    .optional()
    .openapi({ description: 'Columns (default floor(sqrt(n)))', example: 4 }),
  format: z
    .enum(OUTPUT_FORMAT_NAMES as ['jpeg', 'png', 'webp', 'avif'], {
      error: `format must be one of ${OUTPUT_FORMAT_NAMES.join(', ')}.`,
    })
    .optional()
    .openapi({ description: 'Output format (default jpeg)' }),
  crop: z
    .enum(CROPS, { error: `crop must be one of ${CROPS.join(', ')}.` })
    .optional()
    .openapi({
      description: `How each photo is cut to its square tile (default ${DEFAULT_CROP}, the lab's): \`center\` keeps the middle, \`attention\` the most salient part (libvips: luminance frequency, saturation, skin tones), \`entropy\` the busiest part`,
    }),
  gap: wholeNumber('gap', GAP_RANGE).optional().openapi({
    description: 'Pixels between the tiles and around the grid (default 0, the lab’s look)',
    example: 8,
  }),
  background: z
    .string()
    .transform((value, context) => {
      const colour = parseBackground(value);
      if (colour === undefined) {
        context.addIssue({
          code: 'custom',
          message:
            'background must be a colour as 6 hex digits, like ffffff or %23ffffff (a # in a URL must be written %23).',
        });
        return z.NEVER;
      }
      return colour;
    })
    .optional()
    .openapi({
      description: `The colour of the gaps and empty cells, as \`rrggbb\` or \`#rrggbb\` (\`%23rrggbb\` in a URL; 3 digits also do); default \`${DEFAULT_BACKGROUND}\`, the lab's black`,
      example: 'ffffff',
    }),
  layout: z
    .enum(LAYOUTS, { error: `layout must be one of ${LAYOUTS.join(', ')}.` })
    .optional()
    .openapi({
      description: `How the photos are placed (default ${DEFAULT_LAYOUT}, the lab's): \`grid\` cuts each to a square tile; \`justified\` keeps every photo whole, in rows of equal height (about tileSize) that fill \`width\`, the last row left-aligned`,
    }),
  labels: z
    .enum(LABELS, { error: `labels must be one of ${LABELS.join(', ')}.` })
    .optional()
    .openapi({
      description: `What is written under each photo (default ${DEFAULT_LABELS}, the lab's): \`name\` writes the image's file name (as sent when it was added; an image without one gets a bare band), cut in the middle when too long`,
    }),
  width: wholeNumber('width', WIDTH_RANGE).optional().openapi({
    description:
      "With layout=justified: the width of the whole image in pixels, gaps included (at least 2 x gap + 1); default: about the side of a square holding every photo at the row height (at least the widest photo; with columns, the square grid's width)",
    example: 1200,
  }),
}).superRefine(({ layout, width, gap = 0 }, context) => {
  if (width === undefined) return;
  const problem =
    layout === 'justified'
      ? justifiedWidthProblem(width, gap)
      : 'width applies to layout=justified only: add layout=justified, or leave width out.';
  if (problem) context.addIssue({ code: 'custom', path: ['width'], message: problem });
});

export const GridParams = z.object({ gridId: GridId });

/** Which page of a grid's listing (src/core/listing-pages.ts). */
export const PageQuery = z.object({
  limit: wholeNumber('limit', PAGE_LIMIT_RANGE)
    .optional()
    .openapi({
      description: `Images on the page at most (default ${DEFAULT_PAGE_LIMIT}); a page also ends before its images pass ${PAGE_BYTES / 1_000_000} MB of JSON`,
      example: DEFAULT_PAGE_LIMIT,
    }),
  cursor: z.string().optional().openapi({
    description: "The previous page's next_cursor, unchanged; none for the first page",
  }),
});
export const ImageParams = GridParams.extend({
  imageId: z.string().regex(IMAGE_ID_PATTERN, {
    error: 'The image id must be the 26-character image_id returned when the image was added.',
  }),
});
export const UploadParams = GridParams.extend({
  uploadId: z.string().regex(IMAGE_ID_PATTERN, {
    error: 'The upload id must be the 26-character upload_id returned when the upload was created.',
  }),
});

export const BuildParams = GridParams.extend({
  buildId: z.string().regex(BUILD_ID_PATTERN, { error: BUILD_ID_INVALID }),
});

export const ErrorBody = z
  .object({
    message: z.string().openapi({
      description: 'What is wrong, in words a user of the API can act on',
      example: 'tileSize must be a whole number from 8 to 4096.',
    }),
    code: z.enum(ERROR_CODES).openapi({
      description:
        'Stable and machine-readable: clients map it to their own words (docs/CONTRACT.md, "Errors")',
      example: 'invalid_parameter',
    }),
    param: z.string().optional().openapi({
      description: 'The query parameter, path parameter or body field the error is about',
      example: 'tileSize',
    }),
  })
  .openapi('Error');

const imageNameField = z.string().nullable().openapi({
  description: "The file's name the image was added with; null when none was sent",
  example: 'beach.jpg',
});

export const ImageSaved = z
  .object({
    message: z.literal('image saved'),
    image_size: z.number().int(),
    key: z.string(),
    image_id: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    format: z.string(),
    name: imageNameField,
  })
  .openapi('ImageSaved');

export const GridBuilt = z
  .object({
    message: z.literal('built grid'),
    presigned_url: z.string().url(),
    key: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    columns: z.number().int(),
    rows: z.number().int(),
    image_count: z.number().int(),
    tile_size: z.number().int(),
    format: z.string(),
    crop: z.enum(CROPS),
    gap: z.number().int(),
    background: z.string().openapi({ description: '`#rrggbb`', example: '#ffffff' }),
    layout: z.enum(LAYOUTS).openapi({
      description:
        'For justified rows, `rows` is the number of rows and `columns` the most photos in one row',
    }),
    labels: z.enum(LABELS),
    expires_at: z.string(),
    cached: z.boolean(),
  })
  .openapi('GridBuilt');

const buildFields = {
  uniqueGridId: z.string(),
  build_id: z
    .string()
    .openapi({ description: "The grid's version: the same request gets it again" }),
  tiles_done: z.number().int().openapi({ description: 'Tiles placed so far' }),
  tiles_total: z.number().int().openapi({ description: 'Tiles of the grid' }),
};

export const BuildStarted = z
  .object({
    message: z.literal('building grid'),
    ...buildFields,
    status: z.literal('running'),
    status_url: z.string().url().openapi({
      description:
        'GET it (honouring Retry-After) until status is done or failed; also in Location',
    }),
  })
  .openapi('BuildStarted');

export const BuildState = z
  .object({
    ...buildFields,
    status: z.enum(['running', 'done', 'failed']),
    error: ErrorBody.omit({ param: true })
      .optional()
      .openapi({ description: 'Why the build failed, when it did' }),
  })
  .merge(GridBuilt.omit({ message: true }).partial())
  .extend({ message: z.literal('built grid').optional() })
  .openapi('BuildState', {
    description:
      'When done, every field of generate_grid\'s 200 too (`message: "built grid"`, `presigned_url`...)',
  });

export const GridImage = z
  .object({
    image_id: z.string(),
    key: z.string(),
    image_size: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    format: z.string(),
    name: imageNameField,
    uploaded_at: z.string(),
    url: z.string().url().openapi({ description: 'A presigned GET of the source image.' }),
    preview_url: z.string().url().openapi({
      description:
        "A presigned GET of a small JPEG copy for thumbnails, upright, never enlarged: the image's smallest rendition (256 px on its short side by default) once made, a little after the upload; before that a 320 px copy made on request (local storage) or, on AWS, the source image.",
    }),
  })
  .openapi('GridImage');

export const GridListing = z
  .object({
    uniqueGridId: z.string(),
    image_count: z.number().int().openapi({ description: 'Images in the grid, on every page' }),
    images: z.array(GridImage).openapi({ description: "This page's images, in the grid's order" }),
    next_cursor: z.string().nullable().openapi({
      description: 'Send it as `cursor` for the next page; null on the last page',
    }),
  })
  .openapi('Grid');

export const UploadCreated = z
  .object({
    message: z.literal('upload url created'),
    upload_id: z.string(),
    upload_url: z.string().url(),
    method: z.literal('PUT'),
    confirm_url: z.string().url(),
    expires_at: z.string(),
  })
  .openapi('UploadCreated');

export const Deleted = z
  .object({ message: z.string(), uniqueGridId: z.string(), deleted_images: z.number().int() })
  .openapi('Deleted');

/**
 * Error answers a route may give, for the docs. Any request may be refused with 431
 * before it reaches a route (server/malformed-requests.ts), so every route lists it.
 */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    [...statuses, 431].map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: ErrorBody } },
      },
    ]),
  );

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad uniqueGridId, option, size, name, cursor or empty body',
  401: 'Missing or wrong API key',
  404: 'No such grid, image, upload or build',
  408: 'The body stalled: nothing arrived for BODY_IDLE_TIMEOUT_MS',
  409: 'Upload already confirmed, or images deleted during every build attempt',
  413: 'Body, declared size or pixel count over the limit',
  415: 'Not an image, or an unsupported format',
  422: 'A truncated or corrupt image',
  431: 'The request line and headers (URL included) are over 16 KB',
  503: 'Busy or storage unreachable; retry later',
  507: "The server's storage is full; delete images or grids to free space",
};
