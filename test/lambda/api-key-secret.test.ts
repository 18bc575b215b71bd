import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  httpApiEvent,
  invokeApi,
  jsonOf,
  type LambdaHandler,
  restApiEvent,
} from '../support/api-gateway-events.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { expectErrorBody } from '../support/error-codes.js';
import {
  type RunningSecretsManager,
  startSecretsManager,
} from '../support/secrets-manager-server.js';

// The API functions as the default stack deploys them (-c auth=apikey): the secret's
// ARN in API_KEYS_SECRET_ARN, its value read at the cold start with the real SDK client
// from a Secrets Manager stand-in on 127.0.0.1, and checked as API_KEYS is.

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ApiKeySecret-Ab12Cd';
/** As the stack generates it: 48 letters and digits. */
const newKey = () =>
  randomBytes(36)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '0');
const KEY = newKey();

let servers: AwsServers;
let secrets: RunningSecretsManager;
const savedEnv = { ...process.env };

beforeAll(async () => {
  servers = await startAwsServers();
  secrets = await startSecretsManager({ [ARN]: KEY });
  Object.assign(process.env, awsEnv(servers), {
    LOG_LEVEL: 'silent',
    API_KEYS_SECRET_ARN: ARN,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await secrets?.stop();
  await servers?.stop();
});

/** A new sandbox: the handlers' module evaluated afresh, as Lambda's cold start does. */
async function coldStart(): Promise<{ grids: LambdaHandler }> {
  vi.resetModules();
  return (await import('../../src/lambda/handlers.js')) as unknown as { grids: LambdaHandler };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const list = (grids: LambdaHandler, headers?: Record<string, string>) =>
  invokeApi(grids, httpApiEvent({ method: 'GET', path: '/grids/keyed', headers }));

describe('the API key from Secrets Manager', () => {
  it('refuses a request without the key or with another, serves one with it, and reads the secret once', async () => {
    const { grids } = await coldStart();
    const before = secrets.reads;
    const missing = await list(grids);
    expect(missing.statusCode).toBe(401);
    expectErrorBody(jsonOf(missing), 'api_key_missing');
    const wrong = await list(grids, bearer(newKey()));
    expect(wrong.statusCode).toBe(401);
    expectErrorBody(jsonOf(wrong), 'api_key_invalid');
    expect((await list(grids, bearer(KEY))).statusCode).toBe(200);
    // /health stays open: load balancers and the stack's own checks have no key.
    const health = await invokeApi(grids, httpApiEvent({ method: 'GET', path: '/health' }));
    expect(health.statusCode).toBe(200);
    expect(secrets.reads - before).toBe(1);
  });

  it('answers 503 JSON while the secret cannot be read, and reads it again on the next invocation', async () => {
    const { grids } = await coldStart();
    secrets.failing = true;
    try {
      const first = await list(grids, bearer(KEY));
      expect(first.statusCode).toBe(503);
      expect(expectErrorBody(jsonOf(first), 'storage_unavailable').message).toMatch(/API key/);
      const readsAfterFirst = secrets.reads;
      // In the payload format of a REST API too.
      const second = await invokeApi(
        grids,
        restApiEvent({ method: 'GET', path: '/grids/keyed', headers: bearer(KEY) }),
      );
      expect(second.statusCode).toBe(503);
      expectErrorBody(jsonOf(second), 'storage_unavailable');
      expect(secrets.reads).toBeGreaterThan(readsAfterFirst);
    } finally {
      secrets.failing = false;
    }
    expect((await list(grids, bearer(KEY))).statusCode).toBe(200);
    expect((await list(grids)).statusCode).toBe(401);
  });

  it('never opens the API on a secret that holds no valid key: 503 until it does', async () => {
    for (const value of ['', 'too-short', 'a key with spaces in it']) {
      secrets.secrets.set(ARN, value);
      const { grids } = await coldStart();
      const refused = await list(grids, bearer(value || KEY));
      expect(refused.statusCode, JSON.stringify(value)).toBe(503);
      expectErrorBody(jsonOf(refused), 'storage_unavailable');
    }
    secrets.secrets.set(ARN, KEY);
  });

  it('takes a new value in new sandboxes; comma-separated keys are all accepted, for a rotation', async () => {
    const warm = await coldStart();
    expect((await list(warm.grids, bearer(KEY))).statusCode).toBe(200);
    const next = newKey();
    secrets.secrets.set(ARN, `${next},${KEY}`);
    // A sandbox that read the secret before keeps the keys it read.
    expect((await list(warm.grids, bearer(next))).statusCode).toBe(401);
    const cold = await coldStart();
    expect((await list(cold.grids, bearer(next))).statusCode).toBe(200);
    expect((await list(cold.grids, bearer(KEY))).statusCode).toBe(200);
    secrets.secrets.set(ARN, KEY);
  });
});
