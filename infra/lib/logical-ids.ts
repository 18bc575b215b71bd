import { createHash } from 'node:crypto';

/**
 * The logical id CDK gives the element at this path of construct ids below its stack:
 * a lone id as it is, otherwise the ids (alphanumerics only, "Resource" left out, an
 * id the previous one ends with dropped) followed by a hash of the path; "Default" ids
 * do not count. This is aws-cdk-lib's makeUniqueId, which the library does not export:
 * with it a stack can name an element as if part of its path were not there.
 */
export function logicalIdOf(path: readonly string[]): string {
  const ids = path.filter((id) => id !== 'Default');
  const alphanumeric = (id: string) => id.replace(/[^A-Za-z0-9]/g, '');
  if (ids.length === 1 && alphanumeric(ids[0] as string).length <= 255) {
    return alphanumeric(ids[0] as string);
  }
  const hash = createHash('md5').update(ids.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const readable: string[] = [];
  for (const id of ids) {
    if (!readable.at(-1)?.endsWith(id)) readable.push(id);
  }
  const human = readable
    .filter((id) => id !== 'Resource')
    .map(alphanumeric)
    .join('')
    .slice(0, 240);
  return human + hash;
}
