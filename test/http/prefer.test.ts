import { expect, it } from 'vitest';
import { preferredWaitSeconds, prefersRespondAsync } from '../../src/http/prefer.js';

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

it("reads the wait preference's seconds: how long the client would wait for a 200", () => {
  expect(preferredWaitSeconds('respond-async, wait=2')).toBe(2);
  expect(preferredWaitSeconds('Wait=10; x=y, respond-async')).toBe(10);
  expect(preferredWaitSeconds('wait="3"')).toBe(3);
  expect(preferredWaitSeconds('respond-async')).toBeUndefined();
  expect(preferredWaitSeconds('wait=soon')).toBeUndefined();
  expect(preferredWaitSeconds('wait=-1')).toBeUndefined();
  expect(preferredWaitSeconds(undefined)).toBeUndefined();
});
