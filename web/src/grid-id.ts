/** The grid id the page works on: in the address bar as ?grid=ID, so a link reopens it. */

import { GRID_ID_PATTERN } from '../../src/core/id-patterns.js';

export { GRID_ID_PATTERN };
export const GRID_ID_RULE =
  'A grid id is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit.';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A fresh, hard-to-guess id; getRandomValues works on plain http too (unlike randomUUID). */
export function randomGridId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const suffix = Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return `grid-${suffix}`;
}

/** The ?grid= of the address, valid or not: a bad one is shown, never silently replaced. */
export function gridIdInUrl(): string | undefined {
  return new URLSearchParams(location.search).get('grid') ?? undefined;
}

/** The nearest valid id to a bad one ("bad id!" -> "bad-id"), if there is one. */
export function suggestGridId(bad: string): string | undefined {
  const suggestion = bad
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128)
    .replace(/-+$/, '');
  return GRID_ID_PATTERN.test(suggestion) ? suggestion : undefined;
}

export function putGridIdInUrl(gridId: string): void {
  const url = new URL(location.href);
  url.searchParams.set('grid', gridId);
  history.replaceState(null, '', url);
}
