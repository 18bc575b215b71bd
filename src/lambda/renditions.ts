/**
 * The renditions function of the AWS deployment: S3 invokes it asynchronously for
 * every object created in the source bucket (infra/lib/storage.ts), and it makes the
 * renditions of the images among them, as the local background worker does.
 */
import { configOfProcess } from '../config.js';
import { GRID_ID_PATTERN, IMAGE_ID_PATTERN } from '../core/ids.js';
import { makeRenditions, type RenditionOutcome } from '../core/renditions.js';
import { sharpImaging } from '../imaging/sharp-imaging.js';
import { configureSharp } from '../imaging/sharp-settings.js';
import { createAwsStorage } from '../storage/aws/create-aws-storage.js';
import { type InvocationContext, inInvocation } from './invocation.js';
import { createLambdaLogger } from './lambda-logger.js';

/** The part of an S3 event notification this function reads. */
export interface S3ObjectEvent {
  Records: { s3: { object: { key: string } } }[];
}

export type RecordOutcome = RenditionOutcome | 'ignored';

/**
 * Keys arrive URL-encoded, a space as "+". A key that does not decode is no key
 * GridBuilder wrote: it comes back as it was, to be ignored.
 */
function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/**
 * An image's own key, `GRID_ID/IMAGE_ID.ext`. The notification cannot say so (S3
 * filters by one prefix and suffix only), and renditions (`_renditions/...`) and
 * staged uploads (`_uploads/...`) are created in the same bucket: without this check
 * each rendition stored would invoke the function again.
 */
function isImageKey(key: string): boolean {
  const match = /^([^/]+)\/([^/.]+)\.[a-z0-9]+$/.exec(key);
  return (
    match !== null &&
    GRID_ID_PATTERN.test(match[1] as string) &&
    IMAGE_ID_PATTERN.test(match[2] as string)
  );
}

let worker: ReturnType<typeof createWorker> | undefined;

/** Built once per cold start, as the API functions' composition root. */
function createWorker() {
  const config = configOfProcess({ overrides: { STORAGE: 'aws' } });
  configureSharp();
  return {
    logger: createLambdaLogger(config.LOG_LEVEL),
    storage: createAwsStorage(config),
    sizes: config.RENDITION_SIZES,
  };
}

/**
 * Handles each record in turn and logs one line for each. makeRenditions is
 * idempotent, so a record S3 delivers twice, or one handled again when Lambda retries
 * the event, does no harm. A storage error fails the invocation: Lambda retries it,
 * then hands it to the dead-letter queue. A deleted image is no error. A storage call
 * that hangs is cut before the function's timeout, as such an error.
 */
export function renditions(
  event: S3ObjectEvent,
  context?: InvocationContext,
): Promise<{ key: string; outcome: RecordOutcome }[]> {
  return inInvocation(event, context, () => renditionsOf(event));
}

async function renditionsOf(
  event: S3ObjectEvent,
): Promise<{ key: string; outcome: RecordOutcome }[]> {
  worker ??= createWorker();
  const { logger, storage, sizes } = worker;
  const results: { key: string; outcome: RecordOutcome }[] = [];
  for (const record of event.Records) {
    const key = decodeEventKey(record.s3.object.key);
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    let outcome: RecordOutcome = 'ignored';
    try {
      if (isImageKey(key)) outcome = await makeRenditions(storage, sharpImaging, key, sizes);
    } catch (err) {
      logger.error({ key, ms: ms(), err }, 'renditions failed');
      throw err;
    }
    logger.info({ key, outcome, ms: ms() }, 'renditions');
    results.push({ key, outcome });
  }
  return results;
}
