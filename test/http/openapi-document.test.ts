import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROTECTED_PATH } from '../../src/http/api-key-auth.js';
import { useTestServer } from '../support/local-server.js';

const REDOCLY = join(
  createRequire(import.meta.url).resolve('@redocly/cli/package.json'),
  '..',
  'bin/cli.js',
);
const CONFIG = join(import.meta.dirname, '../../redocly.yaml');

interface Operation {
  operationId?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; description?: string; schema: { enum?: string[] } }[];
}
interface Document {
  servers?: { url: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes?: Record<string, { type: string; scheme?: string }>;
    schemas: Record<
      string,
      { required?: string[]; properties: Record<string, { type?: string | string[] }> }
    >;
  };
}
interface LintProblem {
  severity: string;
  ruleId: string;
  message: string;
  location: { pointer: string }[];
}

const server = useTestServer();
let document: Document;
beforeAll(async () => {
  document = await (await fetch(`${server.url}/openapi.json`)).json();
});

const operations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );

/** Redocly CLI's findings on the served document; it exits 1 when it finds errors. */
function lint(): Promise<LintProblem[]> {
  const file = join(server.dataDir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [REDOCLY, 'lint', '--config', CONFIG, '--format', 'json', file],
      (error, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout).problems);
        } catch {
          reject(error ?? new Error(stderr));
        }
      },
    );
  });
}

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended rules without an error or a warning", async () => {
    const findings = (await lint()).map(
      (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`,
    );
    expect(findings).toEqual([]);
  });

  it('names every operation with a stable operationId, which client generators turn into method names', () => {
    const ids = Object.fromEntries(
      operations().map(({ path, method, operation }) => [
        `${method.toUpperCase()} ${path}`,
        operation.operationId,
      ]),
    );
    expect(ids).toEqual({
      'POST /add_image': 'addImage',
      'POST /generate_grid': 'generateGrid',
      'GET /grids/{gridId}': 'listGrid',
      'DELETE /grids/{gridId}': 'deleteGrid',
      'DELETE /grids/{gridId}/images/{imageId}': 'deleteImage',
      'POST /grids/{gridId}/uploads': 'createUpload',
      'POST /grids/{gridId}/uploads/{uploadId}/confirm': 'confirmUpload',
      'PUT /grids/{gridId}/order': 'reorderGrid',
      'GET /grids/{gridId}/builds/{buildId}': 'getBuild',
      'GET /health': 'getHealth',
    });
  });

  it('asks for the bearer API key on exactly the routes the key check guards', () => {
    expect(Object.values(document.components.securitySchemes ?? {})).toMatchObject([
      { type: 'http', scheme: 'bearer' },
    ]);
    for (const { path, method, operation } of operations()) {
      const security = operation.security ?? document.security ?? [];
      const asksForKey = security.some((requirement) => Object.keys(requirement).length > 0);
      expect(asksForKey, `${method} ${path}`).toBe(PROTECTED_PATH.test(path));
    }
  });

  it("lists generate_grid's crop choices, as the server checks them", () => {
    const crop = document.paths['/generate_grid']?.post?.parameters?.find((p) => p.name === 'crop');
    expect(crop).toMatchObject({
      in: 'query',
      schema: { enum: ['center', 'attention', 'entropy'] },
    });
  });

  it("describes generate_grid's gap, background and labels, and answers that carry them", () => {
    const parameters = document.paths['/generate_grid']?.post?.parameters ?? [];
    const named = (name: string) => parameters.find((p) => p.name === name);
    expect(named('gap')).toMatchObject({ in: 'query', schema: { minimum: 0, maximum: 256 } });
    expect(named('background')).toMatchObject({ in: 'query', schema: { type: 'string' } });
    expect(named('background')?.description).toContain('%23rrggbb');
    expect(named('labels')).toMatchObject({ in: 'query', schema: { enum: ['none', 'name'] } });
    expect(document.components.schemas.GridBuilt?.required).toEqual(
      expect.arrayContaining(['gap', 'background', 'labels']),
    );
  });

  it('lists the image name: a parameter of both ways to upload, a field of both image answers', () => {
    const nameOf = (path: string) =>
      document.paths[path]?.post?.parameters?.find((p) => p.name === 'name');
    expect(nameOf('/add_image')).toMatchObject({ in: 'query', schema: { maxLength: 255 } });
    expect(nameOf('/grids/{gridId}/uploads')).toMatchObject({ in: 'query' });
    expect(nameOf('/grids/{gridId}/uploads/{uploadId}/confirm')).toBeUndefined();
    const header = document.paths['/add_image']?.post?.parameters?.find(
      (p) => p.name === 'content-disposition',
    );
    expect(header).toMatchObject({ in: 'header' });
    for (const schema of ['ImageSaved', 'GridImage']) {
      expect(document.components.schemas[schema]?.properties.name?.type, schema).toEqual([
        'string',
        'null',
      ]);
    }
  });

  it("names add_image's input formats, HEIC among them", () => {
    expect(document.paths['/add_image']?.post?.description).toContain(
      'jpeg, png, webp, gif, avif, tiff, heic',
    );
  });

  it("describes generate_grid's layout and width, and answers that carry the layout", () => {
    const parameters = document.paths['/generate_grid']?.post?.parameters ?? [];
    const named = (name: string) => parameters.find((p) => p.name === name);
    expect(named('layout')).toMatchObject({ in: 'query', schema: { enum: ['grid', 'justified'] } });
    expect(named('width')).toMatchObject({ in: 'query', schema: { minimum: 16, maximum: 65535 } });
    expect(named('width')?.description).toContain('square grid');
    const built = document.components?.schemas?.GridBuilt as { required?: string[] };
    expect(built.required).toEqual(expect.arrayContaining(['layout']));
  });

  it('is served by the server it describes, wherever that runs', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });
});
