/**
 * The shared API client (src/client) as the CLI's commands use it: over fetch, with the
 * key given on the command line, its errors in the CLI's words (src/cli/error-words.ts).
 */

import {
  ApiClient,
  type ErrorContext,
  type ErrorWords,
  type Failure,
  messageOf,
  serverWords,
} from '../client/api-client.js';
import { fetchTransport } from '../client/fetch-transport.js';
import { cliRefusalWords, cliWords } from './error-words.js';

export {
  type ImageSaved,
  type Placement,
  UnauthorizedError,
  UnreachableError,
} from '../client/api-client.js';

/** Long enough for a big build; a request gone longer has hung. */
const REQUEST_TIMEOUT_MS = 10 * 60_000;

/** `apiKey`: sent as `Authorization: Bearer` on API calls when the server has API_KEYS. */
export const cliClient = (baseUrl: string, apiKey?: string): ApiClient =>
  new ApiClient({
    baseUrl,
    transport: fetchTransport(REQUEST_TIMEOUT_MS),
    apiKey,
    words: wordsFor(apiKey),
  });

/** An error answer in the CLI's words, else the server's message or page. */
const wordsFor = (apiKey: string | undefined): ErrorWords => ({
  failure(failure: Failure, about: ErrorContext): string {
    if (failure.storage) return cliRefusalWords(failure.status, failure.storage);
    const words = failure.body && cliWords(failure.body, about);
    if (words) return words;
    if (failure.status !== 401 || failure.target !== 'api') return messageOf(failure);
    // Words for a code we do not know: the server's message, and where the key comes from.
    const hint = apiKey
      ? 'The API key given (--api-key or GRIDBUILDER_API_KEY) was refused: check it.'
      : 'This server needs an API key: pass --api-key KEY or set GRIDBUILDER_API_KEY.';
    return `${messageOf(failure)}\n${hint}`;
  },
  unreachable: serverWords.unreachable,
});
