import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiEvent } from '../support/api-gateway-events.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { startBundledFunction } from '../support/bundled-function.js';
import { HEIC_SOURCES, heicFixture, meanDifference } from '../support/heic-fixtures.js';
import { buildHostBundle, HOST_CPU, type HostBundle } from '../support/host-bundle.js';
import { decode } from '../support/image-inspection.js';
import { near, solidImage } from '../support/images.js';
import { type RunningLambda, startLambdaInvokeServer } from '../support/lambda-invoke-server.js';
import { eventKey, objectCreatedRecord, s3Event } from '../support/s3-events.js';

// What CDK would upload, built by the stack's own NodejsFunction bundling for this
// machine's CPU (support/host-bundle.ts). Then a fresh Node process, outside the
// repository, imports the bundled handler and invokes it with API Gateway events
// against s3rver + dynalite: proof that the bundle resolves sharp and its own imports.
// Its Lambda client reaches a stand-in for Lambda's Invoke API that keeps the events.

let bundle: HostBundle;
let assetDir: string;
let servers: AwsServers;
let template: Template;
let lambda: RunningLambda;
/** The events generate_grid sent the build worker, for the bundled worker to run. */
const buildEvents: unknown[] = [];

beforeAll(async () => {
  bundle = await buildHostBundle();
  ({ assetDir, template } = bundle);
  servers = await startAwsServers();
  lambda = await startLambdaInvokeServer({
    'GridBuilder-BuildWorker': async (event: unknown) => {
      buildEvents.push(event);
    },
  });
}, 180_000);

afterAll(async () => {
  await lambda?.stop();
  await servers?.stop();
  await bundle?.remove();
});

describe('the Lambda bundle', () => {
  it('is the code of all five functions and carries sharp for its platform, no SQLite', async () => {
    const hash = assetDir.slice(assetDir.lastIndexOf('asset.') + 'asset.'.length);
    // CDK's bucket notifications handler is inline code (ZipFile), no asset.
    const keys = Object.values(template.findResources('AWS::Lambda::Function'))
      .filter((f) => f.Properties.Code.ZipFile === undefined)
      .map((f) => f.Properties.Code.S3Key);
    expect(keys).toEqual(Array.from({ length: 5 }, () => `${hash}.zip`));

    const files = await readdir(assetDir);
    expect(files.sort()).toEqual([
      'fonts',
      'index.mjs',
      'index.mjs.map',
      'node_modules',
      'package.json',
    ]);
    // The label font and a fontconfig file naming only it (FONTCONFIG_FILE on Lambda).
    expect((await readdir(join(assetDir, 'fonts'))).sort()).toEqual([
      'DejaVuSans.ttf',
      'LICENSE',
      'fonts.conf',
    ]);
    const img = await readdir(join(assetDir, 'node_modules', '@img'));
    expect(img).toContain(`sharp-linux-${HOST_CPU}`);
    expect(img).toContain(`sharp-libvips-linux-${HOST_CPU}`);
    expect(img.filter((name) => /^sharp-(?!libvips)/.test(name))).toEqual([
      `sharp-linux-${HOST_CPU}`,
    ]);
    expect(await readdir(join(assetDir, 'node_modules'))).not.toContain('better-sqlite3');
    // libheif: the WebAssembly build with its .wasm inlined, the only variant loaded.
    expect((await readdir(join(assetDir, 'node_modules', 'libheif-js'))).sort()).toEqual(
      ['LICENSE', 'package.json', 'wasm-bundle.js', 'libheif-wasm'].sort(),
    );
    expect(await readdir(join(assetDir, 'node_modules', 'libheif-js', 'libheif-wasm'))).toEqual([
      'LICENSE',
      'libheif-bundle.js',
    ]);
    const bundle = await readFile(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle).not.toContain('better_sqlite3.node');
  });

  /** Imports the bundled handlers in a fresh Node process and invokes them with the events, in order. */
  async function invokeBundle(events: { handler: string; event: object }[]) {
    const fn = await startBundledFunction(assetDir, {
      functionName: 'GridBuilder-Bundle',
      // As deployed: LOG_LEVEL info, logs as JSON lines on stdout for CloudWatch.
      env: {
        ...awsEnv(servers),
        LOG_LEVEL: 'info',
        BUILD_FUNCTION_NAME: 'GridBuilder-BuildWorker',
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        // As deployed, where the bundle is /var/task: only the fonts it carries.
        FONTCONFIG_FILE: join(assetDir, 'fonts', 'fonts.conf'),
      },
      timeoutMs: 10_000,
    });
    try {
      const results: unknown[] = [];
      for (const { handler, event } of events)
        results.push((await fn.invoke(handler, event)).result);
      const { sharpPath, exported } = await fn.inspect();
      return { results, sharpPath, exported, logs: fn.logs };
    } finally {
      await fn.stop();
    }
  }

  let imageKey: string;

  it('loads in a fresh Node process and serves add_image and generate_grid events', async () => {
    const images = await Promise.all([
      solidImage([230, 200, 20], 240, 160),
      solidImage([20, 160, 230], 160, 240),
    ]);
    const { logs, ...output } = await invokeBundle([
      ...images.map((body) => ({
        handler: 'addImage',
        event: httpApiEvent({
          method: 'POST',
          path: '/add_image',
          query: { uniqueGridId: 'bundled' },
          body,
        }),
      })),
      {
        handler: 'generateGrid',
        event: httpApiEvent({
          method: 'POST',
          path: '/generate_grid',
          query: { uniqueGridId: 'bundled', tileSize: '100' },
        }),
      },
    ]);
    expect(logs.filter((l) => l.msg === 'request').map((l) => [l.path, l.status])).toEqual([
      ['/add_image', 200],
      ['/add_image', 200],
      ['/generate_grid', 200],
    ]);
    const { sharpPath, exported } = output;
    const results = output.results as { statusCode: number; body: string }[];
    expect(exported).toEqual(['addImage', 'buildWorker', 'generateGrid', 'grids', 'renditions']);
    expect(sharpPath.startsWith(join(assetDir, 'node_modules', 'sharp'))).toBe(true);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    const saved = JSON.parse(results[0]?.body ?? '');
    expect(saved).toMatchObject({ message: 'image saved' });
    imageKey = saved.key;

    const built = JSON.parse(results[2]?.body ?? '');
    expect(built).toMatchObject({ message: 'built grid', width: 100, height: 200 });
    const grid = await decode(Buffer.from(await (await fetch(built.presigned_url)).arrayBuffer()));
    expect([grid.width, grid.height]).toEqual([100, 200]);
    expect(near(grid.pixel(50, 50), [230, 200, 20], 16)).toBe(true);
    expect(near(grid.pixel(50, 150), [20, 160, 230], 16)).toBe(true);
  });

  it('makes renditions for an S3 ObjectCreated event and logs one JSON line per record', async () => {
    const record = (key: string) => objectCreatedRecord(servers.sourceBucket, eventKey(key));
    const rendition = '_renditions/bundled/x/128.jpg';
    const { logs, results } = await invokeBundle([
      { handler: 'renditions', event: s3Event(record(imageKey), record(rendition)) },
    ]);
    expect(results).toEqual([
      [
        { key: imageKey, outcome: 'made' },
        { key: rendition, outcome: 'ignored' },
      ],
    ]);
    const lines = logs.filter((l) => l.msg === 'renditions');
    expect(lines.map(({ key, outcome }) => ({ key, outcome }))).toEqual([
      { key: imageKey, outcome: 'made' },
      { key: rendition, outcome: 'ignored' },
    ]);
    for (const line of lines) expect(line.ms).toEqual(expect.any(Number));
  });

  it('decodes a HEIC with the libheif it carries: add_image, its renditions, a build', async () => {
    const addImage = {
      handler: 'addImage',
      event: httpApiEvent({
        method: 'POST',
        path: '/add_image',
        query: { uniqueGridId: 'phone' },
        body: await heicFixture('photo'),
      }),
    };
    const { results: added } = await invokeBundle([addImage]);
    const saved = JSON.parse((added[0] as { body: string }).body);
    expect(saved).toMatchObject({ format: 'heic', width: 480, height: 320 });

    const record = objectCreatedRecord(servers.sourceBucket, eventKey(saved.key));
    const { results } = await invokeBundle([
      { handler: 'renditions', event: s3Event(record) },
      {
        handler: 'generateGrid',
        event: httpApiEvent({
          method: 'POST',
          path: '/generate_grid',
          query: { uniqueGridId: 'phone', tileSize: '100', format: 'png' },
        }),
      },
    ]);
    expect(results[0]).toEqual([{ key: saved.key, outcome: 'made' }]);
    const built = JSON.parse((results[1] as { body: string }).body);
    const grid = Buffer.from(await (await fetch(built.presigned_url)).arrayBuffer());
    const expected = await sharp(await HEIC_SOURCES.photo())
      .resize(100, 100, { fit: 'cover' })
      .png()
      .toBuffer();
    expect(await meanDifference(grid, expected)).toBeLessThan(6);
  });

  it('writes labels with the font it carries', async () => {
    const addImage = {
      handler: 'addImage',
      event: httpApiEvent({
        method: 'POST',
        path: '/add_image',
        query: { uniqueGridId: 'labelled', name: 'WWWW.png' },
        body: await solidImage([200, 30, 30], 80, 60, 'png'),
      }),
    };
    const generate = {
      handler: 'generateGrid',
      event: httpApiEvent({
        method: 'POST',
        path: '/generate_grid',
        query: { uniqueGridId: 'labelled', tileSize: '64', format: 'png', labels: 'name' },
      }),
    };
    const { results } = await invokeBundle([addImage, generate]);
    const built = JSON.parse((results[1] as { body: string }).body);
    expect(built).toMatchObject({ labels: 'name', width: 64, height: 80 });
    const grid = Buffer.from(await (await fetch(built.presigned_url)).arrayBuffer());
    const band = await sharp(grid)
      .extract({ left: 0, top: 64, width: 64, height: 16 })
      .raw()
      .toBuffer();
    expect(Math.max(...band)).toBeGreaterThan(128); // light ink on the black band
  });

  it('hands a build answered 202 to the worker function, whose bundled handler runs it', async () => {
    const generate = {
      handler: 'generateGrid',
      event: httpApiEvent({
        method: 'POST',
        path: '/generate_grid',
        query: { uniqueGridId: 'bundled', tileSize: '50' },
        headers: { prefer: 'respond-async' },
      }),
    };
    const { results: accepted } = await invokeBundle([generate]);
    const started = JSON.parse((accepted[0] as { statusCode: number; body: string }).body);
    expect((accepted[0] as { statusCode: number }).statusCode).toBe(202);
    await lambda.whenIdle();
    expect(buildEvents).toEqual([{ gridId: 'bundled', buildId: started.build_id }]);

    const path = new URL(started.status_url).pathname;
    const { logs, results } = await invokeBundle([
      { handler: 'buildWorker', event: buildEvents[0] as object },
      { handler: 'grids', event: httpApiEvent({ method: 'GET', path }) },
    ]);
    expect(logs.filter((l) => l.msg === 'build').map((l) => l.buildId)).toEqual([started.build_id]);
    const status = JSON.parse((results[1] as { body: string }).body);
    expect(status).toMatchObject({ status: 'done', width: 50, height: 100, image_count: 2 });
  });
});
