import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useStack } from '../infra/stack-template.js';
import { headerOf, httpApiEvent, jsonOf, type ProxyResult } from '../support/api-gateway-events.js';
import { type AwsServers, startAwsServers } from '../support/aws-servers.js';
import type { ProxiedRequest } from '../support/http-proxy.js';
import { decode } from '../support/image-inspection.js';
import { GREEN, near, RED, solidImage } from '../support/images.js';
import {
  type HandlerName,
  type LeastPrivilege,
  startLeastPrivilege,
} from '../support/least-privilege.js';
import { eventKey, objectCreatedRecord, s3Event } from '../support/s3-events.js';
import { type TemplateJson, withoutAction } from '../support/template-policies.js';

// Least privilege proven by running the code under it: each Lambda function of the
// synthesized stack runs in its own process, with the template's environment for it,
// and reaches S3, DynamoDB, Lambda and Secrets Manager only through proxies that
// enforce its own role's statements from the template (test/support/least-privilege.ts).
// Every flow, failure paths included, must get through without one request refused.
// The stack is the default one, behind its API key: the API functions read it from the
// secret at their cold start, and every call below sends it.

const stack = useStack();
let servers: AwsServers;
let aws: LeastPrivilege;
let template: TemplateJson;

beforeAll(async () => {
  template = stack.template.toJSON() as TemplateJson;
  servers = await startAwsServers();
  aws = await startLeastPrivilege(template, servers);
});

afterAll(async () => {
  await aws?.stop();
  await servers?.stop();
});

// A refusal the code survives (caught, logged, left for a sweep) is still a defect.
afterEach(() => {
  expect(aws.takeRefusals()).toEqual({});
});

type EventRequest = Parameters<typeof httpApiEvent>[0];

/** A call without the API key. */
const callWithoutKey = async (handler: HandlerName, request: EventRequest) =>
  (await aws.functions[handler].invoke(httpApiEvent(request))) as ProxyResult;

const call = (handler: HandlerName, request: EventRequest) =>
  callWithoutKey(handler, {
    ...request,
    headers: { ...request.headers, authorization: `Bearer ${aws.apiKey}` },
  });

async function addImage(gridId: string, body: Buffer) {
  return call('addImage', {
    method: 'POST',
    path: '/add_image',
    query: { uniqueGridId: gridId },
    body,
  });
}

const download = async (url: string) => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
};

async function sourceKeys(prefix: string): Promise<string[]> {
  const client = servers.s3.client();
  try {
    const { Contents } = await client.send(
      new ListObjectsV2Command({ Bucket: servers.sourceBucket, Prefix: prefix }),
    );
    return (Contents ?? []).map((o) => o.Key as string);
  } finally {
    client.destroy();
  }
}

async function recordedKeys(gridId: string): Promise<string[]> {
  const client = DynamoDBDocumentClient.from(servers.dynamoDb.client());
  try {
    const { Items } = await client.send(
      new QueryCommand({
        TableName: servers.tableName,
        KeyConditionExpression: 'uniqueGridId = :grid',
        ExpressionAttributeValues: { ':grid': gridId },
      }),
    );
    return (Items ?? []).map((i) => String(i.s3Key));
  } finally {
    client.destroy();
  }
}

/** Removes an image's record behind the functions' backs (another client's delete). */
async function deleteRecord(gridId: string, key: string) {
  const client = DynamoDBDocumentClient.from(servers.dynamoDb.client());
  try {
    await client.send(
      new DeleteCommand({
        TableName: servers.tableName,
        Key: { uniqueGridId: gridId, s3Key: key },
      }),
    );
  } finally {
    client.destroy();
  }
}

/** DynamoDB failing every PutItem of the grid's image records (as when the table is throttled). */
const failingImagePuts = (gridId: string) => (request: ProxiedRequest) => {
  const target = String(request.headers['x-amz-target']);
  const body = JSON.parse(request.body.toString('utf8') || '{}');
  if (!target.endsWith('.PutItem') || body.Item?.uniqueGridId?.S !== gridId) return undefined;
  return {
    status: 500,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: Buffer.from(
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: 'Internal server error',
      }),
    ),
  };
};

describe('every Lambda flow under its own role, from the synthesized template', () => {
  const GRID = 'least-privilege';
  let keys: string[] = [];

  it('the API functions, each having read the key under its role, refuse a call without it', async () => {
    expect(aws.apiKey).toBeDefined();
    for (const [handler, request] of [
      ['addImage', { method: 'POST', path: '/add_image', query: { uniqueGridId: GRID } }],
      ['generateGrid', { method: 'POST', path: '/generate_grid', query: { uniqueGridId: GRID } }],
      ['grids', { method: 'GET', path: `/grids/${GRID}` }],
    ] as const) {
      const refused = await callWithoutKey(handler, request);
      expect(refused.statusCode, handler).toBe(401);
      expect(jsonOf(refused).code).toBe('api_key_missing');
    }
  });

  it('add_image stores and records images', async () => {
    // The first is big enough for both renditions (256 and 640).
    for (const [colour, size] of [
      [RED, 700],
      [GREEN, 120],
    ] as const) {
      const result = await addImage(GRID, await solidImage(colour, size, size));
      expect(result.statusCode).toBe(200);
      keys.push(jsonOf(result).key);
    }
  });

  it('the two-step upload: a link from the grid routes, the PUT to it, the confirm', async () => {
    const image = new Uint8Array(await solidImage(RED, 150, 120));
    const created = await call('grids', {
      method: 'POST',
      path: `/grids/${GRID}/uploads`,
      // A name is kept with the upload (its own item) until the confirm records it.
      query: { size: String(image.length), name: 'big.jpg' },
    });
    expect(created.statusCode).toBe(201);
    const { upload_url: uploadUrl, confirm_url: confirmUrl } = jsonOf(created);
    const put = await fetch(uploadUrl, { method: 'PUT', body: image });
    expect(put.status).toBe(200);
    const confirmed = await call('grids', { method: 'POST', path: new URL(confirmUrl).pathname });
    expect(confirmed.statusCode).toBe(200);
    expect(jsonOf(confirmed).name).toBe('big.jpg');
    keys.push(jsonOf(confirmed).key);
  });

  it('the renditions function makes the renditions of an image on its S3 event', async () => {
    const outcomes = await aws.functions.renditions.invoke(
      s3Event(objectCreatedRecord(servers.sourceBucket, eventKey(keys[0] as string))),
    );
    expect(outcomes).toEqual([{ key: keys[0], outcome: 'made' }]);
  });

  it('the grid routes list the images with links that serve them', async () => {
    const listing = await call('grids', { method: 'GET', path: `/grids/${GRID}` });
    expect(listing.statusCode).toBe(200);
    const { images } = jsonOf(listing);
    expect(images.map((i: { key: string }) => i.key)).toEqual(keys);
    for (const image of images) {
      await download(image.url);
      await download(image.preview_url);
    }
  });

  it('generate_grid builds the grid and links to it', async () => {
    const built = await call('generateGrid', {
      method: 'POST',
      path: '/generate_grid',
      query: { uniqueGridId: GRID, tileSize: '100', columns: '3' },
    });
    expect(built.statusCode).toBe(200);
    const grid = await decode(await download(jsonOf(built).presigned_url));
    expect([grid.width, grid.height]).toEqual([300, 100]);
    expect(near(grid.pixel(150, 50), GREEN, 16)).toBe(true);
  });

  it('a build answered 202 runs in the build worker, and its status links to the grid', async () => {
    const accepted = await call('generateGrid', {
      method: 'POST',
      path: '/generate_grid',
      query: { uniqueGridId: GRID, tileSize: '50', columns: '1' },
      headers: { prefer: 'respond-async' },
    });
    expect(accepted.statusCode).toBe(202);
    await aws.lambda.whenIdle();
    expect(aws.lambda.invocations.at(-1)).toMatchObject({ attempts: 1 });
    const status = await call('grids', {
      method: 'GET',
      path: new URL(headerOf(accepted, 'location') as string).pathname,
    });
    expect(status.statusCode).toBe(200);
    const done = jsonOf(status);
    expect(done).toMatchObject({ status: 'done', width: 50, height: 150 });
    await download(done.presigned_url);
  });

  it('the grid routes delete an image, then the grid, and answer /health', async () => {
    const imageId = (keys[1] as string).split('/')[1]?.split('.')[0];
    const deleted = await call('grids', {
      method: 'DELETE',
      path: `/grids/${GRID}/images/${imageId}`,
    });
    expect(deleted.statusCode).toBe(200);
    const gone = await call('grids', { method: 'DELETE', path: `/grids/${GRID}` });
    expect(gone.statusCode).toBe(200);
    expect(jsonOf(gone)).toMatchObject({ deleted_images: 2 });
    expect(await sourceKeys(`${GRID}/`)).toEqual([]);
    expect(await sourceKeys(`_renditions/${GRID}/`)).toEqual([]);
    keys = [];

    const health = await call('grids', { method: 'GET', path: '/health' });
    expect(health.statusCode).toBe(200);
  });
});

describe('failure paths under their own roles', () => {
  it('add_image takes its object back when the record cannot be written', async () => {
    const gridId = 'rollback-add';
    aws.functions.addImage.proxies.dynamodb.fault = failingImagePuts(gridId);
    try {
      const result = await addImage(gridId, await solidImage(RED, 80, 80));
      expect(result.statusCode).toBe(503);
    } finally {
      aws.functions.addImage.proxies.dynamodb.fault = undefined;
    }
    expect(await sourceKeys(`${gridId}/`)).toEqual([]);
    expect(await recordedKeys(gridId)).toEqual([]);
  });

  it('a confirm takes its image back when the record cannot be written', async () => {
    const gridId = 'rollback-confirm';
    const image = new Uint8Array(await solidImage(RED, 80, 80));
    const created = await call('grids', {
      method: 'POST',
      path: `/grids/${gridId}/uploads`,
      query: { size: String(image.length) },
    });
    const { upload_url: uploadUrl, confirm_url: confirmUrl } = jsonOf(created);
    await fetch(uploadUrl, { method: 'PUT', body: image });
    aws.functions.grids.proxies.dynamodb.fault = failingImagePuts(gridId);
    try {
      const confirmed = await call('grids', { method: 'POST', path: new URL(confirmUrl).pathname });
      expect(confirmed.statusCode).toBe(503);
    } finally {
      aws.functions.grids.proxies.dynamodb.fault = undefined;
    }
    expect(await sourceKeys(`${gridId}/`)).toEqual([]);
    expect(await sourceKeys(`_uploads/${gridId}/`)).toEqual([]);
    expect(await recordedKeys(gridId)).toEqual([]);
  });
});

describe('failure paths of the workers under their own roles', () => {
  it('the renditions function takes back the renditions of an image deleted while they were made', async () => {
    const gridId = 'renditions-gone';
    const added = await addImage(gridId, await solidImage(RED, 700, 700));
    const { key } = jsonOf(added);
    aws.functions.renditions.proxies.dynamodb.fault = async (request) => {
      if (String(request.headers['x-amz-target']).endsWith('.UpdateItem')) {
        await deleteRecord(gridId, key);
      }
      return undefined;
    };
    try {
      const outcomes = await aws.functions.renditions.invoke(
        s3Event(objectCreatedRecord(servers.sourceBucket, eventKey(key))),
      );
      expect(outcomes).toEqual([{ key, outcome: 'image_gone' }]);
    } finally {
      aws.functions.renditions.proxies.dynamodb.fault = undefined;
    }
    expect(await sourceKeys(`_renditions/${gridId}/`)).toEqual([]);
  });

  it('the build worker records the failure of a build whose images it cannot read', async () => {
    const gridId = 'unreadable';
    await addImage(gridId, await solidImage(RED, 80, 80));
    aws.functions.buildWorker.proxies.s3.fault = (request) =>
      request.method === 'GET' && request.url.startsWith(`/${servers.sourceBucket}/${gridId}/`)
        ? {
            status: 503,
            headers: { 'content-type': 'application/xml' },
            body: Buffer.from(
              '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>',
            ),
          }
        : undefined;
    try {
      const accepted = await call('generateGrid', {
        method: 'POST',
        path: '/generate_grid',
        query: { uniqueGridId: gridId },
        headers: { prefer: 'respond-async' },
      });
      expect(accepted.statusCode).toBe(202);
      await aws.lambda.whenIdle();
      const status = await call('grids', {
        method: 'GET',
        path: new URL(headerOf(accepted, 'location') as string).pathname,
      });
      expect(jsonOf(status)).toMatchObject({ status: 'failed', error: { code: 'build_failed' } });
    } finally {
      aws.functions.buildWorker.proxies.s3.fault = undefined;
    }
  });
});

describe('every grant is used', () => {
  it('no role grants an action on S3, DynamoDB or Lambda that none of these flows needed', () => {
    expect(aws.unusedGrants()).toEqual({});
  });
});

describe('the harness', () => {
  it('bites: add_image without s3:DeleteObject leaves the object of a failed upload behind', async () => {
    const gridId = 'narrowed-add';
    aws.enforce('addImage', withoutAction(template, 'index.addImage', 's3:DeleteObject'));
    aws.functions.addImage.proxies.dynamodb.fault = failingImagePuts(gridId);
    try {
      expect((await addImage(gridId, await solidImage(RED, 80, 80))).statusCode).toBe(503);
    } finally {
      aws.functions.addImage.proxies.dynamodb.fault = undefined;
      aws.enforce('addImage', template);
    }
    expect(await sourceKeys(`${gridId}/`)).toHaveLength(1);
    expect(aws.takeRefusals()).toEqual({
      addImage: [
        expect.stringMatching(
          new RegExp(`^s3:DeleteObject arn:aws:s3:::${servers.sourceBucket}/${gridId}/`),
        ),
      ],
    });
  });

  it('bites: generate_grid without s3:PutObject cannot store the grid it built', async () => {
    const gridId = 'narrowed-build';
    expect((await addImage(gridId, await solidImage(RED, 80, 80))).statusCode).toBe(200);
    aws.enforce('generateGrid', withoutAction(template, 'index.generateGrid', 's3:PutObject'));
    try {
      const built = await call('generateGrid', {
        method: 'POST',
        path: '/generate_grid',
        query: { uniqueGridId: gridId },
      });
      expect(built.statusCode).toBe(503);
    } finally {
      aws.enforce('generateGrid', template);
    }
    expect(aws.takeRefusals()).toEqual({
      generateGrid: [
        expect.stringMatching(
          new RegExp(`^s3:PutObject arn:aws:s3:::${servers.destinationBucket}/${gridId}/`),
        ),
      ],
    });
  });
});
