import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { GridBuilderError } from '../../core/errors.js';
import { sourceKeyPrefix } from '../../core/ids.js';
import type { BuildRecord, GridIndex, ImageRecord, UploadDetails } from '../../core/ports.js';
import { storageFailure } from './storage-errors.js';

/** BatchWriteItem takes at most 25 requests. */
const WRITE_BATCH = 25;
/** Rounds of retrying unprocessed items before giving up (about 6 s of backoff in all). */
const MAX_BATCH_ATTEMPTS = 8;
/** Hash key prefix of confirmed two-step uploads' markers (see claimUpload). */
const CLAIM_PREFIX = '_confirmed/';
/** Hash key prefix of what two-step uploads were created with (see putUpload). */
const UPLOAD_PREFIX = '_uploads/';
/** Hash key prefix and range key of a grid's order item (see setOrder). */
const ORDER_PREFIX = '_order/';
const ORDER_KEY = 'order';
/** Hash key prefix of a grid's build records (see putBuild); their range key is the build id. */
const BUILD_PREFIX = '_builds/';
/** No grid id starts with "_", so this key is never a grid: a cheap, permission-light probe. */
const PING_GRID_ID = '_health';

/** One item of the lab's table: its key (uniqueGridId, s3Key) plus the image's details. */
export interface ImageItem {
  uniqueGridId: string;
  s3Key: string;
  imageId: string;
  imageSize: number;
  width: number;
  height: number;
  format: string;
  contentType: string;
  uploadedAt: string;
  position: string;
  renditions?: number[];
  name?: string;
}

export const toItem = (record: ImageRecord): ImageItem => ({
  uniqueGridId: record.gridId,
  s3Key: record.key,
  imageId: record.imageId,
  imageSize: record.size,
  width: record.width,
  height: record.height,
  format: record.format,
  contentType: record.contentType,
  uploadedAt: record.uploadedAt,
  position: record.position,
  ...(record.renditions && { renditions: record.renditions }),
  ...(record.name !== undefined && { name: record.name }),
});

const toRecord = (item: Record<string, unknown>): ImageRecord => {
  const i = item as Partial<ImageItem>;
  return {
    gridId: String(i.uniqueGridId),
    key: String(i.s3Key),
    imageId: String(i.imageId ?? ''),
    size: Number(i.imageSize ?? 0),
    width: Number(i.width ?? 0),
    height: Number(i.height ?? 0),
    format: String(i.format ?? ''),
    contentType: String(i.contentType ?? 'application/octet-stream'),
    uploadedAt: String(i.uploadedAt ?? ''),
    // Items written before positions existed: their id is their position.
    position: String(i.position ?? i.imageId ?? ''),
    ...(Array.isArray(i.renditions) && { renditions: i.renditions.map(Number) }),
    // Items written without a name (none sent, or before names existed) have none.
    ...(typeof i.name === 'string' && { name: i.name }),
  };
};

export interface DynamoDbGridIndexOptions {
  /** Pause before retry round n (1-based) of unprocessed batch items; exponential with jitter by default. */
  backoffMs?: (attempt: number) => number;
}

const defaultBackoff = (attempt: number) => Math.random() * Math.min(2000, 50 * 2 ** attempt);

/**
 * The lab's table on DynamoDB: hash key `uniqueGridId`, range key `s3Key`. Image ids
 * are time-ordered, so the range key order is upload order. Unlike the lab's code,
 * `list` follows LastEvaluatedKey past the 1 MB page to the last item.
 */
export class DynamoDbGridIndex implements GridIndex {
  private readonly backoffMs: (attempt: number) => number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDbGridIndexOptions = {},
  ) {
    this.backoffMs = options.backoffMs ?? defaultBackoff;
  }

  async add(record: ImageRecord): Promise<void> {
    await this.send('record the image', () =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: toItem(record) })),
    );
  }

  /**
   * A conditional put of a marker item: DynamoDB lets one writer create it, the others
   * fail the condition. Its hash key is not a grid id (none starts with "_"), so grid
   * listings never see it; the table's TTL attribute `expiresAt` removes it later.
   */
  async claimUpload(gridId: string, uploadId: string, keepUntil: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            uniqueGridId: `${CLAIM_PREFIX}${gridId}`,
            s3Key: uploadId,
            expiresAt: Math.ceil(keepUntil.getTime() / 1000),
          },
          ConditionExpression: 'attribute_not_exists(s3Key)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string })?.name === 'ConditionalCheckFailedException') return false;
      throw storageFailure('DynamoDB', 'confirm the upload', error);
    }
  }

  /**
   * An item beside the claims': its hash key is no grid id, so listings never see it;
   * the table's TTL attribute `expiresAt` removes it later.
   */
  async putUpload(
    gridId: string,
    uploadId: string,
    details: UploadDetails,
    keepUntil: Date,
  ): Promise<void> {
    await this.send('record the upload', () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            uniqueGridId: `${UPLOAD_PREFIX}${gridId}`,
            s3Key: uploadId,
            expiresAt: Math.ceil(keepUntil.getTime() / 1000),
            upload: details,
          },
        }),
      ),
    );
  }

  /** TTL deletes lag behind (up to days): an expired item is forgotten here already. */
  async getUpload(gridId: string, uploadId: string): Promise<UploadDetails | undefined> {
    return this.send('read the upload', async () => {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { uniqueGridId: `${UPLOAD_PREFIX}${gridId}`, s3Key: uploadId },
          ConsistentRead: true,
        }),
      );
      if (!Item || Number(Item.expiresAt) * 1000 < Date.now()) return undefined;
      return Item.upload as UploadDetails;
    });
  }

  /** An update conditional on the item: it never creates one for a deleted image. */
  async setRenditions(gridId: string, key: string, sizes: readonly number[]): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { uniqueGridId: gridId, s3Key: key },
          UpdateExpression: 'SET renditions = :sizes',
          ConditionExpression: 'attribute_exists(s3Key)',
          ExpressionAttributeValues: { ':sizes': [...sizes] },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string })?.name === 'ConditionalCheckFailedException') return false;
      throw storageFailure('DynamoDB', "record the image's renditions", error);
    }
  }

  async getOrder(gridId: string): Promise<string[] | undefined> {
    return this.send("read the grid's order", async () => {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { uniqueGridId: `${ORDER_PREFIX}${gridId}`, s3Key: ORDER_KEY },
          ConsistentRead: true,
        }),
      );
      return Item ? (Item.imageIds as string[]) : undefined;
    });
  }

  /**
   * One item holds the order, so a reorder is one atomic PutItem (the lab's items keep
   * their keys). Its hash key is no grid id, so listings never see it. An item is at
   * most 400 KB: about 12,000 image ids.
   */
  async setOrder(gridId: string, imageIds: readonly string[]): Promise<void> {
    const Key = { uniqueGridId: `${ORDER_PREFIX}${gridId}`, s3Key: ORDER_KEY };
    await this.send("store the grid's order", async () => {
      if (imageIds.length === 0) {
        await this.client.send(new DeleteCommand({ TableName: this.tableName, Key }));
      } else {
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: { ...Key, imageIds } }),
        );
      }
    });
  }

  /**
   * One PutItem replaces the record whole. Its hash key is no grid id, so listings
   * never see it; the table's TTL attribute `expiresAt` removes it later. The record
   * rides in one map attribute, so reading it back needs no mapping of its own.
   */
  async putBuild(record: BuildRecord, keepUntil: Date): Promise<void> {
    await this.send('record the build', () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            uniqueGridId: `${BUILD_PREFIX}${record.gridId}`,
            s3Key: record.buildId,
            expiresAt: Math.ceil(keepUntil.getTime() / 1000),
            build: record,
          },
        }),
      ),
    );
  }

  /** TTL deletes lag behind (up to days): an expired item is forgotten here already. */
  async getBuild(gridId: string, buildId: string): Promise<BuildRecord | undefined> {
    return this.send('read the build', async () => {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { uniqueGridId: `${BUILD_PREFIX}${gridId}`, s3Key: buildId },
          ConsistentRead: true,
        }),
      );
      if (!Item || Number(Item.expiresAt) * 1000 < Date.now()) return undefined;
      return Item.build as BuildRecord;
    });
  }

  async list(gridId: string): Promise<ImageRecord[]> {
    return (await this.queryPages(gridId)).records;
  }

  /** Every record of the grid and how many Query pages it took (tests check the paging). */
  async queryPages(gridId: string): Promise<{ records: ImageRecord[]; pages: number }> {
    return this.send("list the grid's images", async () => {
      const records: ImageRecord[] = [];
      let pages = 0;
      const paginator = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          KeyConditionExpression: 'uniqueGridId = :grid',
          ExpressionAttributeValues: { ':grid': gridId },
          // generate_grid right after add_image must see every image just added.
          ConsistentRead: true,
        },
      );
      for await (const page of paginator) {
        pages += 1;
        for (const item of page.Items ?? []) records.push(toRecord(item));
      }
      return { records, pages };
    });
  }

  /** One Query on the keys the image's can be (`GRID/IMAGE_ID.ext`): one item read. */
  async find(gridId: string, imageId: string): Promise<ImageRecord | undefined> {
    return this.send('find the image', async () => {
      const { Items } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'uniqueGridId = :grid AND begins_with(s3Key, :prefix)',
          ExpressionAttributeValues: {
            ':grid': gridId,
            ':prefix': sourceKeyPrefix(gridId, imageId),
          },
          ConsistentRead: true,
        }),
      );
      const item = Items?.[0];
      return item && toRecord(item);
    });
  }

  /**
   * One key is one DeleteItem: an image's delete, and add_image's rollback, whose role
   * may delete an item but not batch-write (infra/lib/functions.ts). More keys go 25
   * a BatchWriteItem.
   */
  async remove(gridId: string, keys: readonly string[]): Promise<void> {
    const unique = [...new Set(keys)];
    const [only] = unique;
    if (unique.length === 1 && only !== undefined) {
      await this.send('remove the record', () =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { uniqueGridId: gridId, s3Key: only },
          }),
        ),
      );
      return;
    }
    for (let start = 0; start < unique.length; start += WRITE_BATCH) {
      const batch = unique.slice(start, start + WRITE_BATCH);
      await this.writeBatch(
        batch.map((s3Key) => ({ DeleteRequest: { Key: { uniqueGridId: gridId, s3Key } } })),
      );
    }
  }

  async ping(): Promise<void> {
    await this.send('reach the table', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'uniqueGridId = :grid',
          ExpressionAttributeValues: { ':grid': PING_GRID_ID },
          Limit: 1,
        }),
      ),
    );
  }

  /**
   * BatchWriteItem may process only part of a batch (throttling, size) and hand the
   * rest back as UnprocessedItems: send those again, with backoff, until none are left.
   */
  private async writeBatch(requests: NonNullable<BatchRequests>): Promise<void> {
    let pending: BatchRequests | undefined = requests;
    for (let attempt = 1; pending && pending.length > 0; attempt++) {
      if (attempt > MAX_BATCH_ATTEMPTS) {
        throw new GridBuilderError(
          'storage_unavailable',
          `Storage is unavailable: DynamoDB left ${pending.length} record(s) unprocessed after ${MAX_BATCH_ATTEMPTS} attempts. Please try again shortly.`,
        );
      }
      if (attempt > 1) await sleep(this.backoffMs(attempt - 1));
      const batch: BatchRequests = pending;
      const response: BatchWriteCommandOutput = await this.send('remove records', () =>
        this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } })),
      );
      pending = response.UnprocessedItems?.[this.tableName];
    }
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw storageFailure('DynamoDB', action, error);
    }
  }
}

type BatchRequests = NonNullable<
  ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']
>[string];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
