/** The grid id the page works on: in the address bar as ?grid=ID, so a link reopens it. */

/** The API's rule (src/core/ids.ts). */
export const GRID_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const GRID_ID_RULE =
  'A grid id is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit.';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A fresh, hard-to-guess id; getRandomValues works on plain http too (unlike randomUUID). */
export function randomGridId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const suffix = Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return `grid-${suffix}`;
}

export function gridIdFromUrl(): string | undefined {
  const value = new URLSearchParams(location.search).get('grid');
  return value && GRID_ID_PATTERN.test(value) ? value : undefined;
}

export function putGridIdInUrl(gridId: string): void {
  const url = new URL(location.href);
  url.searchParams.set('grid', gridId);
  history.replaceState(null, '', url);
}
