import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * The error codes docs/CONTRACT.md lists in its "Errors" section (the rows of its
 * code table, whose first cell is a code in backticks), in their order.
 */
export function documentedErrorCodes(): string[] {
  const contract = readFileSync(new URL('../../docs/CONTRACT.md', import.meta.url), 'utf8');
  const start = contract.indexOf('\n## Errors\n');
  const end = contract.indexOf('\n## ', start + 1);
  const section = contract.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((match) => match[1] as string);
}

const DOCUMENTED = new Set(documentedErrorCodes());

/**
 * Checks the body of an error answer: a message and a documented code; with `code`,
 * that code and `param` (the input the error is about, if it is about one). Returns it.
 */
export function expectErrorBody(
  body: unknown,
  code?: string,
  param?: string,
): { message: string; code: string; param?: string } {
  const error = body as { message: string; code: string; param?: string };
  expect(Object.keys(error)).toEqual(
    error.param === undefined ? ['message', 'code'] : ['message', 'code', 'param'],
  );
  expect(typeof error.message).toBe('string');
  expect(DOCUMENTED.has(error.code), `code ${error.code} is documented`).toBe(true);
  if (code !== undefined) {
    expect(error.code).toBe(code);
    expect(error.param).toBe(param);
  }
  return error;
}

/** An HTTP error answer: its status, JSON content type and body as expectErrorBody checks it. */
export async function expectErrorCode(
  response: Response,
  status: number,
  code: string,
  param?: string,
) {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return expectErrorBody(body, code, param);
}
