/**
 * Secrets Manager's GetSecretValue on 127.0.0.1 for tests, as
 * @aws-sdk/client-secrets-manager speaks it: JSON 1.1, `POST /` with
 * `X-Amz-Target: secretsmanager.GetSecretValue` and `{"SecretId": ...}`. Secrets are
 * found by their ARN or their name. Point a client at `endpoint`
 * (AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningSecretsManager {
  endpoint: string;
  /** The secrets' values by ARN; a test may change one (a rotation). */
  readonly secrets: Map<string, string>;
  /** While true, every request fails as in an outage of the service (500 InternalServiceError). */
  failing: boolean;
  /** GetSecretValue requests received so far, the failed ones included. */
  readonly reads: number;
  stop(): Promise<void>;
}

const nameOf = (arn: string) => /:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(arn)?.[1];

/** An error as Secrets Manager sends it: the SDK takes the exception's name from `__type`. */
function sendError(res: ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  });
  res.end(JSON.stringify({ __type: type, message }));
}

export async function startSecretsManager(
  secrets: Record<string, string>,
): Promise<RunningSecretsManager> {
  const state = { failing: false, reads: 0 };
  const values = new Map(Object.entries(secrets));
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      sendError(res, 400, 'UnknownOperationException', `${req.headers['x-amz-target']}`);
      return;
    }
    state.reads++;
    if (state.failing) {
      sendError(res, 500, 'InternalServiceError', 'An error occurred on the server side.');
      return;
    }
    const { SecretId: id } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
      SecretId?: string;
    };
    const arn = [...values.keys()].find((key) => key === id || nameOf(key) === id);
    if (!arn) {
      sendError(
        res,
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
    res.end(
      JSON.stringify({
        ARN: arn,
        Name: nameOf(arn),
        VersionId: randomUUID(),
        SecretString: values.get(arn),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    secrets: values,
    get failing() {
      return state.failing;
    },
    set failing(value) {
      state.failing = value;
    },
    get reads() {
      return state.reads;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
