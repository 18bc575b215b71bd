import { expect, it } from 'vitest';
import { prefersRespondAsync } from '../../src/http/prefer.js';

it('finds respond-async among the preferences of a Prefer header (RFC 7240)', () => {
  expect(prefersRespondAsync('respond-async')).toBe(true);
  expect(prefersRespondAsync('Respond-Async, wait=10')).toBe(true);
  expect(prefersRespondAsync('return=minimal, respond-async; foo="bar"')).toBe(true);
  expect(prefersRespondAsync(' respond-async =')).toBe(true);
  expect(prefersRespondAsync(undefined)).toBe(false);
  expect(prefersRespondAsync('')).toBe(false);
  expect(prefersRespondAsync('wait=10')).toBe(false);
  expect(prefersRespondAsync('respond-asynchronously')).toBe(false);
  expect(prefersRespondAsync('return=respond-async')).toBe(false);
});
