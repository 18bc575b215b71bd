/**
 * The Lambda bundle as CDK would upload it, built by the stack's own NodejsFunction
 * bundling (esbuild + npm installing sharp next to the bundle), only for this machine's
 * CPU instead of arm64 (an arm64 sharp cannot load here). Used by the bundle's tests
 * and by the bench's AWS rows; run it with bundled-function.ts.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GridBuilderStack } from '../../infra/lib/gridbuilder-stack.js';

export const HOST_CPU = process.arch === 'arm64' ? 'arm64' : 'x64';

export interface HostBundle {
  /** The synthesized cloud assembly, a temp folder outside the repository. */
  outdir: string;
  /** The one code asset the functions share: index.mjs and its node_modules. */
  assetDir: string;
  template: Template;
  remove(): Promise<void>;
}

/** Synthesizes the API's stack (no web page) into a temp folder; takes some 10 s. */
export async function buildHostBundle(): Promise<HostBundle> {
  const outdir = await mkdtemp(join(tmpdir(), 'gridbuilder-bundle-'));
  const remove = () => rm(outdir, { recursive: true, force: true });
  try {
    const app = new App({ outdir });
    // The API alone: the web page's deployment would stage more assets than the bundle.
    const stack = new GridBuilderStack(app, 'GridBuilderBundle', { cpu: HOST_CPU, web: false });
    const template = Template.fromStack(stack); // synthesizes, which runs the bundling
    const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
    if (assets.length !== 1) throw new Error(`expected one code asset, got ${assets.join(', ')}`);
    return { outdir, assetDir: join(outdir, assets[0] as string), template, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * The environment the stack gives the function whose handler is `handler` (e.g.
 * 'generateGrid'), without the variables whose values exist only once deployed (the
 * buckets', the table's and other functions' names): the caller names its own.
 */
export function deployedEnvironment(template: Template, handler: string): Record<string, string> {
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
    (f) => f.Properties.Handler === `index.${handler}`,
  );
  if (!fn) throw new Error(`no function with handler index.${handler}`);
  const variables: Record<string, unknown> = fn.Properties.Environment?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}
