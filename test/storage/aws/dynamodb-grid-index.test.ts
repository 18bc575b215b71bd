import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridBuilderError } from '../../../src/core/errors.js';
import { newImageId, sourceKey } from '../../../src/core/ids.js';
import type { ImageRecord } from '../../../src/core/ports.js';
import { createDynamoDbClient } from '../../../src/storage/aws/aws-clients.js';
import { DynamoDbGridIndex, toItem } from '../../../src/storage/aws/dynamodb-grid-index.js';
import { type AwsServers, awsClientOverrides, startAwsServers } from '../../support/aws-servers.js';
import { type RunningProxy, startProxy } from '../../support/http-proxy.js';

let servers: AwsServers;
let documents: DynamoDBDocumentClient;
let index: DynamoDbGridIndex;

beforeAll(async () => {
  servers = await startAwsServers();
  documents = createDynamoDbClient(awsClientOverrides(servers));
  index = new DynamoDbGridIndex(documents, servers.tableName);
});

afterAll(async () => {
  documents?.destroy();
  await servers?.stop();
});

const record = (gridId: string, i = 0): ImageRecord => {
  const imageId = newImageId();
  return {
    gridId,
    key: sourceKey(gridId, imageId, 'jpg'),
    imageId,
    size: 1000 + i,
    width: 640,
    height: 480,
    format: 'jpeg',
    contentType: 'image/jpeg',
    uploadedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    position: imageId,
  };
};

/** Seeds items exactly as the adapter writes them, 25 a request (fast enough for thousands). */
async function seed(records: readonly ImageRecord[]) {
  for (let start = 0; start < records.length; start += 25) {
    const batch = records.slice(start, start + 25);
    const response = await documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [servers.tableName]: batch.map((r) => ({ PutRequest: { Item: toItem(r) } })),
        },
      }),
    );
    expect(response.UnprocessedItems?.[servers.tableName] ?? []).toHaveLength(0);
  }
}

describe('DynamoDbGridIndex on dynalite', () => {
  it('records images with all their details and lists them in upload order', async () => {
    const first = record('trip', 1);
    const second = record('trip', 2);
    const elsewhere = record('other-grid', 3);
    await index.add(second);
    await index.add(first);
    await index.add(elsewhere);

    expect(await index.list('trip')).toEqual([first, second]);
    expect(await index.list('other-grid')).toEqual([elsewhere]);
    expect(await index.list('empty-grid')).toEqual([]);
  });

  it('finds one image with one Query that reads that item alone', async () => {
    const records = Array.from({ length: 200 }, (_, i) => record('finding', i));
    await seed(records);
    const outputs: Record<string, unknown>[] = [];
    const counted = createDynamoDbClient(awsClientOverrides(servers));
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        outputs.push({ command: context.commandName, ...(result.output as object) });
        return result;
      },
      { step: 'initialize' },
    );
    try {
      const finder = new DynamoDbGridIndex(counted, servers.tableName);
      const wanted = records[123] as ImageRecord;
      expect(await finder.find('finding', wanted.imageId)).toEqual(wanted);
      expect(outputs).toMatchObject([{ command: 'QueryCommand', Count: 1, ScannedCount: 1 }]);
      expect(await finder.find('finding', newImageId())).toBeUndefined();
    } finally {
      counted.destroy();
    }
  });

  it('follows LastEvaluatedKey past the 1 MB Query page and returns every item in key order', async () => {
    // The longest grid id the lab allows makes each item about 430 bytes: 3000 of
    // them are about 1.3 MB, more than one Query page can hold.
    const gridId = `g${'x'.repeat(127)}`;
    const records = Array.from({ length: 3000 }, (_, i) => record(gridId, i));
    const shuffled = [...records].sort(() => Math.random() - 0.5);
    await seed(shuffled);

    const { records: listed, pages } = await index.queryPages(gridId);
    expect(pages).toBeGreaterThan(1);
    expect(listed).toHaveLength(3000);
    expect(listed.map((r) => r.key)).toEqual(records.map((r) => r.key));
    expect(listed[2999]).toEqual(records[2999]);
    expect(await index.list(gridId)).toHaveLength(3000);

    // And removes them all, 25 a BatchWriteItem.
    await index.remove(
      gridId,
      records.map((r) => r.key),
    );
    expect(await index.list(gridId)).toEqual([]);
  });

  it('removing keys that are not recorded is not an error', async () => {
    const kept = record('removals', 1);
    await index.add(kept);
    await index.remove('removals', ['removals/NOPE.jpg']);
    await index.remove('removals', []);
    expect(await index.list('removals')).toEqual([kept]);
  });

  describe('BatchWriteItem that leaves items unprocessed (as DynamoDB does when throttled)', () => {
    let proxy: RunningProxy;
    let throttled: DynamoDBDocumentClient;

    beforeAll(async () => {
      // Forwards only the first 10 requests of each BatchWriteItem and hands the
      // rest back as UnprocessedItems, the way DynamoDB answers under throttling.
      proxy = await startProxy(servers.dynamoDb.endpoint, {
        request(request) {
          if (request.headers['x-amz-target'] !== 'DynamoDB_20120810.BatchWriteItem')
            return request;
          const input = JSON.parse(request.body.toString()) as {
            RequestItems: Record<string, unknown[]>;
          };
          const [table, items] = Object.entries(input.RequestItems)[0] ?? ['', []];
          const body = { RequestItems: { [table]: items.slice(0, 10) } };
          const unprocessed = items.slice(10);
          return {
            ...request,
            body: Buffer.from(JSON.stringify(body)),
            headers: {
              ...request.headers,
              'x-unprocessed': JSON.stringify({ [table]: unprocessed }),
            },
          };
        },
        response(response, request) {
          const unprocessed = request.headers['x-unprocessed'];
          if (typeof unprocessed !== 'string') return response;
          const parsed = JSON.parse(unprocessed) as Record<string, unknown[]>;
          const left = Object.values(parsed)[0]?.length ? parsed : {};
          const { 'x-amz-crc32': _, ...headers } = response.headers;
          return {
            ...response,
            headers,
            body: Buffer.from(JSON.stringify({ UnprocessedItems: left })),
          };
        },
      });
      throttled = createDynamoDbClient(awsClientOverrides(servers, { dynamoDb: proxy.endpoint }));
    });

    afterAll(async () => {
      throttled?.destroy();
      await proxy?.stop();
    });

    it('sends the unprocessed items again, with backoff, until none are left', async () => {
      const records = Array.from({ length: 30 }, (_, i) => record('throttled', i));
      await seed(records);
      const pauses: number[] = [];
      const retrying = new DynamoDbGridIndex(throttled, servers.tableName, {
        backoffMs: (attempt) => {
          pauses.push(attempt);
          return 1;
        },
      });

      await retrying.remove(
        'throttled',
        records.map((r) => r.key),
      );

      expect(await index.list('throttled')).toEqual([]);
      const batchWrites = proxy.requests.filter(
        (r) => r.headers['x-amz-target'] === 'DynamoDB_20120810.BatchWriteItem',
      );
      // 30 keys = batches of 25 + 5; the 25 go through in 10 + 10 + 5, the 5 at once.
      expect(batchWrites).toHaveLength(4);
      expect(pauses).toEqual([1, 2]);
    });
  });

  it('turns an unreachable table into storage_unavailable', async () => {
    const down = createDynamoDbClient({
      ...awsClientOverrides(servers, { dynamoDb: 'http://127.0.0.1:9' }),
      maxAttempts: 1,
    });
    const missingTable = new DynamoDbGridIndex(documents, 'NoSuchTable');
    try {
      for (const failing of [
        new DynamoDbGridIndex(down, servers.tableName).list('trip'),
        new DynamoDbGridIndex(down, servers.tableName).ping(),
        missingTable.add(record('trip')),
      ]) {
        const error = await failing.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(GridBuilderError);
        expect((error as GridBuilderError).kind).toBe('storage_unavailable');
        expect((error as GridBuilderError).message).toMatch(/^Storage is unavailable: DynamoDB/);
      }
    } finally {
      down.destroy();
    }
  });

  it('pings the table', async () => {
    await index.ping();
  });
});
