import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { specifiersOf, typeScriptFiles } from '../support/module-imports.js';

// The core is the grid service and its ports: it decodes nothing, opens no file and
// knows no adapter. Dependencies point from the edges (imaging, storage, HTTP, Lambda,
// CLI, composition roots) to the core, never back.

const CORE = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/core');

/** Packages that are an adapter's business: image codecs, files, stores, HTTP. */
const FORBIDDEN_PACKAGES = [
  /^sharp$/,
  /^(node:)?fs(\/promises)?$/,
  /^better-sqlite3$/,
  /^@aws-sdk\//,
  /^(@hono\/.*|hono(\/.*)?)$/,
];

/** Why `specifier`, imported by `file`, does not belong in the core, or undefined. */
function violation(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const target = relative(CORE, resolve(dirname(file), specifier));
    return target.startsWith('..') ? 'a module outside src/core' : undefined;
  }
  return FORBIDDEN_PACKAGES.some((p) => p.test(specifier)) ? 'an adapter package' : undefined;
}

test('the dependency check reads every kind of import', () => {
  const source = [
    "import sharp, { type Sharp } from 'sharp';",
    "import type { GridBuilder } from '../app/create-grid-builder.js';",
    "export { probeImage } from '../imaging/image-probe.js';",
    "import 'node:fs';",
    "const fs = await import('node:fs/promises');",
    'import {\n  readFile,\n} from "fs";',
  ].join('\n');
  const file = join(CORE, 'example.ts');
  expect(specifiersOf(source).filter((s) => violation(file, s))).toEqual([
    'sharp',
    '../app/create-grid-builder.js',
    '../imaging/image-probe.js',
    'fs',
    'node:fs',
    'node:fs/promises',
  ]);
  expect(violation(file, './ports.js')).toBeUndefined();
  expect(violation(file, 'node:crypto')).toBeUndefined();
});

test('src/core imports no image codec, no file system and no adapter', () => {
  const files = typeScriptFiles(CORE);
  expect(files.length).toBeGreaterThan(0);
  const found = files.flatMap((file) =>
    specifiersOf(readFileSync(file, 'utf8')).flatMap((specifier) => {
      const why = violation(file, specifier);
      return why ? [`${relative(CORE, file)} imports ${specifier}: ${why}`] : [];
    }),
  );
  expect(found).toEqual([]);
});
