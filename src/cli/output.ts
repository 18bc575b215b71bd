/** What every command shares: exit codes, global options, and how results are printed. */

import { cliClient } from './api-client.js';

/** Exit codes, documented in `gridbuilder --help`. */
export const EXIT = {
  ok: 0,
  /** The server refused a request, or at least one upload failed. */
  failed: 1,
  /** Bad command line: unknown option, missing argument, malformed value. */
  usage: 2,
  /** The server could not be reached at all. */
  unreachable: 3,
  /** The server wants an API key (401): none was given, or the one given is wrong. */
  unauthorized: 4,
} as const;

export interface GlobalOptions {
  url: string;
  apiKey?: string;
  json?: boolean;
}

/** A problem with what the user typed: exits with EXIT.usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const clientFor = (options: GlobalOptions) => cliClient(options.url, options.apiKey);

/** Prints a result: JSON for scripts, or the human text. */
export function print(options: GlobalOptions, json: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${human()}\n`);
}

export { formatBytes, plural } from '../human-format.js';
