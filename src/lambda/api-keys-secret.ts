import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { type Config, parseApiKeys } from '../config.js';
import { GridBuilderError } from '../core/errors.js';
import { errorResponse } from '../http/error-response.js';
import type { Logger } from '../logger.js';
import { createSecretsManagerClient } from '../storage/aws/aws-clients.js';

/**
 * The API keys of this function: under the stack's auth 'apikey', the value of the
 * secret API_KEYS_SECRET_ARN names (keys as API_KEYS takes them, comma-separated),
 * read once, at the cold start, so a new value reaches new sandboxes only; else
 * API_KEYS. Rejects when the secret cannot be read or holds no valid key: an API that
 * should have a key must not run open.
 */
export async function readApiKeys(config: Config): Promise<string[]> {
  const arn = config.API_KEYS_SECRET_ARN;
  if (!arn) return config.API_KEYS;
  const client = createSecretsManagerClient();
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const keys = parseApiKeys(SecretString ?? '');
    if (keys.length === 0) throw new Error(`the secret ${arn} holds no API key`);
    return keys;
  } finally {
    client.destroy();
  }
}

/**
 * What every request gets while the keys cannot be read: the contract's 503 JSON (in
 * the event's payload format), the cause logged, rather than Lambda's bare 500.
 */
export function apiKeysUnavailable(cause: unknown, logger: Logger) {
  const app = new Hono();
  app.all('*', (c) =>
    errorResponse(
      c,
      new GridBuilderError(
        'storage_unavailable',
        'The API keys cannot be read from AWS Secrets Manager just now; try again shortly.',
        { cause },
      ),
      logger,
    ),
  );
  return handle(app);
}
