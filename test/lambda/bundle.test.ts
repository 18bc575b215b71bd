import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridBuilderStack } from '../../infra/lib/gridbuilder-stack.js';
import { httpApiEvent, lambdaContext } from '../support/api-gateway-events.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { decode } from '../support/image-inspection.js';
import { near, solidImage } from '../support/images.js';
import { type RunningLambda, startLambdaInvokeServer } from '../support/lambda-invoke-server.js';
import { eventKey, objectCreatedRecord, s3Event } from '../support/s3-events.js';

// What CDK would upload, built by the stack's own NodejsFunction bundling (esbuild +
// npm installing sharp next to the bundle), only for this machine's CPU instead of
// arm64 (an arm64 sharp cannot load here). Then a fresh Node process, outside the
// repository, imports the bundled handler and invokes it with API Gateway events
// against s3rver + dynalite: proof that the bundle resolves sharp and its own imports.
// Its Lambda client reaches a stand-in for Lambda's Invoke API that keeps the events.

const run = promisify(execFile);
const hostCpu = process.arch === 'arm64' ? 'arm64' : 'x64';

let outdir: string;
let assetDir: string;
let servers: AwsServers;
let template: Template;
let lambda: RunningLambda;
/** The events generate_grid sent the build worker, for the bundled worker to run. */
const buildEvents: unknown[] = [];

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'gridbuilder-bundle-'));
  const app = new App({ outdir });
  // The API alone: the web page's deployment would stage more assets than the bundle.
  const stack = new GridBuilderStack(app, 'GridBuilderBundle', { cpu: hostCpu, web: false });
  template = Template.fromStack(stack); // synthesizes, which runs the bundling
  const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
  expect(assets).toHaveLength(1); // the five functions share one bundle
  assetDir = join(outdir, assets[0] as string);
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
  if (outdir) await rm(outdir, { recursive: true, force: true });
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
    expect(files.sort()).toEqual(['index.mjs', 'index.mjs.map', 'node_modules', 'package.json']);
    const img = await readdir(join(assetDir, 'node_modules', '@img'));
    expect(img).toContain(`sharp-linux-${hostCpu}`);
    expect(img).toContain(`sharp-libvips-linux-${hostCpu}`);
    expect(img.filter((name) => /^sharp-(?!libvips)/.test(name))).toEqual([
      `sharp-linux-${hostCpu}`,
    ]);
    expect(await readdir(join(assetDir, 'node_modules'))).not.toContain('better-sqlite3');
    const bundle = await readFile(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle).not.toContain('better_sqlite3.node');
  });

  /** Imports the bundled handlers in a fresh Node process and invokes them with the events, in order. */
  async function invokeBundle(events: { handler: string; event: object }[]) {
    const eventsFile = join(outdir, 'events.json');
    await writeFile(eventsFile, JSON.stringify(events));
    const runner = join(outdir, 'invoke.mjs');
    await writeFile(
      runner,
      `import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const [bundle, eventsFile, resultsFile] = process.argv.slice(2);
const handlers = await import(bundle);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const context = ${JSON.stringify(lambdaContext('GridBuilder-Bundle'))};
context.getRemainingTimeInMillis = () => 10000;
const results = [];
for (const { handler, event } of events) results.push(await handlers[handler](event, context));
const sharpPath = createRequire(bundle).resolve('sharp');
writeFileSync(resultsFile, JSON.stringify({ results, sharpPath, exported: Object.keys(handlers).sort() }));
`,
    );

    const resultsFile = join(outdir, 'results.json');
    const { stdout } = await run(
      process.execPath,
      [runner, join(assetDir, 'index.mjs'), eventsFile, resultsFile],
      {
        cwd: outdir,
        // As deployed: LOG_LEVEL info, logs as JSON lines on stdout for CloudWatch.
        env: {
          PATH: process.env.PATH,
          ...awsEnv(servers),
          LOG_LEVEL: 'info',
          BUILD_FUNCTION_NAME: 'GridBuilder-BuildWorker',
          AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        },
        timeout: 60_000,
      },
    );
    const logs = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    const output = JSON.parse(await readFile(resultsFile, 'utf8')) as {
      results: unknown[];
      sharpPath: string;
      exported: string[];
    };
    return { logs, ...output };
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
