import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { specifiersOf, typeScriptFiles } from '../support/module-imports.js';

// Storage backends and the HTTP layer meet only in a composition root: the app mounts
// whatever routes a backend brings without knowing which backend it is, and a backend
// serves its routes without reaching into the app or into the roots that wire it.

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** The composition roots: the only modules that know both the adapters and the app. */
const ROOTS = ['app', 'lambda', 'server'];

/** What modules under `from` (a folder of src) may not import, as paths relative to src. */
const FORBIDDEN: Record<string, string[]> = {
  storage: ['http', ...ROOTS],
  http: ['storage'],
};

/** The module of src that `specifier` names, relative to src, when it is one of `targets`. */
function forbiddenTarget(file: string, specifier: string, targets: string[]) {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(SRC, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
  return targets.find((t) => target === t || target.startsWith(`${t}/`));
}

function violations(from: string): string[] {
  const files = typeScriptFiles(join(SRC, from));
  expect(files.length).toBeGreaterThan(0);
  return files.flatMap((file) =>
    specifiersOf(readFileSync(file, 'utf8')).flatMap((specifier) => {
      const target = forbiddenTarget(file, specifier, FORBIDDEN[from] ?? []);
      return target ? [`${relative(SRC, file)} imports ${specifier} (src/${target})`] : [];
    }),
  );
}

test('the check recognises imports of the HTTP layer and of each composition root', () => {
  const file = join(SRC, 'storage/local/example.ts');
  const targets = FORBIDDEN.storage ?? [];
  expect(
    [
      '../../http/body-reader.js',
      '../../app/create-grid-builder.js',
      '../../app/create-storage.js',
      '../../app/sweep-storage.js',
      '../../lambda/handlers.js',
      '../../server/start-server.js',
    ].map((specifier) => forbiddenTarget(file, specifier, targets)),
  ).toEqual(['http', 'app', 'app', 'app', 'lambda', 'server']);
  expect(forbiddenTarget(file, '../../core/ports.js', targets)).toBeUndefined();
  expect(forbiddenTarget(file, './url-signer.js', targets)).toBeUndefined();
  expect(forbiddenTarget(file, 'hono', targets)).toBeUndefined();
  expect(forbiddenTarget(join(SRC, 'http/app.ts'), '../storage/x.js', FORBIDDEN.http ?? [])).toBe(
    'storage',
  );
});

test('nothing under src/storage imports the HTTP layer or a composition root', () => {
  expect(violations('storage')).toEqual([]);
});

test('nothing under src/http imports a storage backend', () => {
  expect(violations('http')).toEqual([]);
});
