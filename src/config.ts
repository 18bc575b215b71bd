import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { MAX_INPUT_PIXELS_CEILING } from './core/grid-options.js';
import { defaultDecodeConcurrency } from './thread-pool.js';

const MB = 1024 * 1024;

const int = (name: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number from ${min} to ${max}` })
    .int({ error: `${name} must be a whole number from ${min} to ${max}` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` })
    .default(fallback);

const flag = (name: string) =>
  z
    .enum(['true', 'false', '1', '0', ''], { error: `${name} must be true or false` })
    .optional()
    .transform((value) => value === 'true' || value === '1');

/**
 * The longest presigned link STORAGE=aws can honour: links are signed with the role's
 * temporary credentials (a Lambda function's, a container's), S3 refuses them once
 * that session ends, and no role session lasts longer than 12 hours. The AWS stack
 * refuses more at synth (infra/lib/functions.ts), where it would otherwise deploy.
 */
export const AWS_URL_EXPIRES_CEILING = 43_200;

const SIZES_ERROR = 'RENDITION_SIZES must be whole numbers from 16 to 4096';
/** Also what the AWS stack hands its functions unless told otherwise. */
export const DEFAULT_RENDITION_SIZES: readonly number[] = [256, 640];

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** API keys, comma-separated: each one the single token of "Authorization: Bearer <key>". */
const apiKeys = z
  .string()
  .optional()
  .transform((text) =>
    (text ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== ''),
  )
  .pipe(
    z.array(
      z
        .string()
        .min(16, { error: 'API_KEYS: each key must be at least 16 characters' })
        // A key travels as the one token of "Authorization: Bearer <key>": with a space,
        // a tab or a non-ASCII character in it, no request could ever present it.
        .regex(/^[\x21-\x7e]+$/, {
          error:
            'API_KEYS: each key must be visible ASCII characters only, with no spaces (separate keys with commas)',
        }),
    ),
  );

/**
 * Everything GridBuilder reads from the environment, validated once at start.
 * Names and defaults are documented in the README's configuration table.
 */
const schema = z.object({
  STORAGE: z.enum(['local', 'aws'], { error: 'STORAGE must be "local" or "aws"' }).default('local'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int('PORT', 0, 65_535, 3000),
  DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_URL: optionalText.pipe(
    z
      .url({
        protocol: /^https?$/,
        error: 'PUBLIC_URL must be an http(s) URL such as https://grids.example.com',
      })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
  ),
  URL_EXPIRES_SECONDS: int('URL_EXPIRES_SECONDS', 1, 604_800, 300),
  URL_SIGNING_SECRET: optionalText.pipe(
    z.string().min(32, { error: 'URL_SIGNING_SECRET must be at least 32 characters' }).optional(),
  ),
  MAX_UPLOAD_BYTES: int('MAX_UPLOAD_BYTES', 1, 1024 * MB, 25 * MB),
  /** Upload bodies held in memory at once (never less than MAX_UPLOAD_BYTES); beyond, 503. */
  MAX_BUFFERED_UPLOAD_BYTES: int('MAX_BUFFERED_UPLOAD_BYTES', 1, 64 * 1024 * MB, 512 * MB),
  TILE_SIZE: int('TILE_SIZE', 8, 4096, 300),
  MAX_INPUT_PIXELS: int('MAX_INPUT_PIXELS', 1, MAX_INPUT_PIXELS_CEILING, 100_000_000),
  MAX_OUTPUT_PIXELS: int('MAX_OUTPUT_PIXELS', 1, 1_000_000_000, 150_000_000),
  BUILD_IN_FLIGHT: int('BUILD_IN_FLIGHT', 1, 256, 16),
  DECODE_CONCURRENCY: int('DECODE_CONCURRENCY', 1, 64, defaultDecodeConcurrency()),
  /** Comma-separated; empty (the default) leaves the API open, as the lab's was. */
  API_KEYS: apiKeys,
  /**
   * AWS: the Secrets Manager secret whose value (keys as in API_KEYS) the API functions
   * read at their cold start and use as API_KEYS (src/lambda/api-keys-secret.ts).
   */
  API_KEYS_SECRET_ARN: optionalText,
  /**
   * Short sides of the renditions made of each image (comma-separated; empty: none).
   * 256 serves tiles up to 256 and previews, 640 the default tile of 300 (measured in
   * the report of issue 15).
   */
  RENDITION_SIZES: z
    .string()
    .default(DEFAULT_RENDITION_SIZES.join(','))
    .transform((text) =>
      text
        .split(',')
        .map((size) => size.trim())
        .filter((size) => size !== ''),
    )
    .pipe(
      z.array(
        z.coerce
          .number<string>({ error: SIZES_ERROR })
          .int({ error: SIZES_ERROR })
          .min(16, { error: SIZES_ERROR })
          .max(4096, { error: SIZES_ERROR }),
      ),
    )
    .transform((sizes) => [...new Set(sizes)].sort((a, b) => a - b)),
  /**
   * Memory for tiles of recent builds, so that a repeat build at the same tile size
   * (another order, format or columns) copies them instead of decoding its sources (a
   * 1,000-photo grid at tile 100 needs 30 MB), and for one spare canvas of up to as
   * much; 0 turns both off.
   */
  TILE_CACHE_MB: int('TILE_CACHE_MB', 0, 65_536, 64),
  MAX_CONCURRENT_BUILDS: int('MAX_CONCURRENT_BUILDS', 1, 64, 2),
  MAX_CONCURRENT_VALIDATIONS: int(
    'MAX_CONCURRENT_VALIDATIONS',
    1,
    256,
    Math.max(2, availableParallelism()) * 2,
  ),
  MAX_QUEUED: int('MAX_QUEUED', 0, 10_000, 64),
  QUEUE_TIMEOUT_MS: int('QUEUE_TIMEOUT_MS', 0, 600_000, 10_000),
  /**
   * generate_grid builds within the request when it expects to take at most this long,
   * and answers 202 (building in the background) otherwise: API Gateway gives a
   * request 30 s, less a margin for the estimate's error.
   */
  SYNC_BUILD_SECONDS: int('SYNC_BUILD_SECONDS', 0, 3_600, 20),
  /** Background builds waiting or running in this process; one more is answered 503. */
  MAX_BACKGROUND_BUILDS: int('MAX_BACKGROUND_BUILDS', 1, 1_000, 16),
  /**
   * A background build that wrote no progress for this long is reported failed: longer
   * than the AWS build worker's 15-minute timeout, so only a dead worker's build is.
   */
  BUILD_STALL_SECONDS: int('BUILD_STALL_SECONDS', 10, 86_400, 960),
  HEADERS_TIMEOUT_MS: int('HEADERS_TIMEOUT_MS', 1_000, 600_000, 20_000),
  REQUEST_TIMEOUT_MS: int('REQUEST_TIMEOUT_MS', 1_000, 3_600_000, 120_000),
  KEEP_ALIVE_TIMEOUT_MS: int('KEEP_ALIVE_TIMEOUT_MS', 100, 600_000, 5_000),
  /**
   * Local storage: a file of this size kept in DATA_DIR and given up when the disk is
   * full, so deletes can still commit (and free space); 0: none.
   */
  STORAGE_RESERVE_BYTES: int('STORAGE_RESERVE_BYTES', 0, 1024 * MB, 4 * MB),
  /** An upload body that sends nothing for this long is cut off with 408 (and its bytes freed). */
  BODY_IDLE_TIMEOUT_MS: int('BODY_IDLE_TIMEOUT_MS', 100, 600_000, 5_000),
  /** On SIGTERM/SIGINT, requests in flight get this long to finish before the process exits. */
  SHUTDOWN_GRACE_MS: int('SHUTDOWN_GRACE_MS', 0, 600_000, 10_000),
  GC_GRACE_SECONDS: int('GC_GRACE_SECONDS', 0, 604_800, 900),
  /** Local storage: days built grids are kept (as the AWS stack's gridRetentionDays); 0 keeps them. */
  GRID_RETENTION_DAYS: int('GRID_RETENTION_DAYS', 0, 36_500, 30),
  /** The server sweeps again this often while it runs (both backends); 0 only at start-up. */
  GC_INTERVAL_SECONDS: int('GC_INTERVAL_SECONDS', 0, 31_536_000, 86_400),
  LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
      error: 'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent',
    })
    .default('info'),
  SOURCE_BUCKET: optionalText,
  DESTINATION_BUCKET: optionalText,
  TABLE_NAME: z.string().min(1).default('GridBuilder'),
  /**
   * STORAGE=aws outside Lambda: one S3, DynamoDB or Lambda call, retries included, is
   * cut after this long (503 storage_unavailable), so a hung endpoint cannot hold a
   * request for good. On Lambda the invocation's remaining time bounds each call.
   */
  STORAGE_CALL_TIMEOUT_MS: int('STORAGE_CALL_TIMEOUT_MS', 100, 600_000, 30_000),
  /** Path-style S3 URLs (`endpoint/bucket/key`), as MinIO, Ceph and s3rver need. */
  S3_FORCE_PATH_STYLE: flag('S3_FORCE_PATH_STYLE'),
  /**
   * STORAGE=aws: the Lambda function (the stack's BuildWorker) invoked to run builds
   * answered 202; unset, they run in this process.
   */
  BUILD_FUNCTION_NAME: optionalText,
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The process's configuration: its environment, under `overrides` (a command's flags)
 * and over `fallbacks` (taken where the environment has no value or an empty one). The
 * one place that reads the environment; it leaves it as it was.
 */
export function configOfProcess({
  overrides = {},
  fallbacks = {},
}: {
  overrides?: Record<string, string | undefined>;
  fallbacks?: Record<string, string | undefined>;
} = {}): Config {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(fallbacks)) env[name] ||= value;
  for (const [name, value] of Object.entries(overrides)) {
    if (value !== undefined) env[name] = value;
  }
  return loadConfig(env);
}

/** Reads and checks the configuration; a ConfigError lists every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const config = result.data;
  if (config.STORAGE === 'aws' && (!config.SOURCE_BUCKET || !config.DESTINATION_BUCKET)) {
    throw new ConfigError(
      'Invalid configuration:\n  STORAGE=aws needs SOURCE_BUCKET and DESTINATION_BUCKET (the names of the two S3 buckets)',
    );
  }
  // An error rather than a quiet clamp, as for the 7 days S3 allows any link: the
  // answers' expires_at would otherwise promise what the links cannot keep.
  if (config.STORAGE === 'aws' && config.URL_EXPIRES_SECONDS > AWS_URL_EXPIRES_CEILING) {
    throw new ConfigError(
      `Invalid configuration:\n  URL_EXPIRES_SECONDS must be at most ${AWS_URL_EXPIRES_CEILING} (12 hours) with STORAGE=aws: links are signed with the role's temporary credentials, and S3 refuses them once that session ends`,
    );
  }
  if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      'Invalid configuration:\n  HEADERS_TIMEOUT_MS must not be larger than REQUEST_TIMEOUT_MS',
    );
  }
  return config;
}

/** API keys as API_KEYS takes them, from another source (a secret); a ConfigError if one is not valid. */
export function parseApiKeys(text: string): string[] {
  const result = apiKeys.safeParse(text);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => issue.message).join('; '));
  }
  return result.data;
}
