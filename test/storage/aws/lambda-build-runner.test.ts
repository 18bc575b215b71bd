import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaClient } from '../../../src/storage/aws/aws-clients.js';
import { LambdaBuildRunner } from '../../../src/storage/aws/lambda-build-runner.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/aws-servers.js';
import { type RunningLambda, startLambdaInvokeServer } from '../../support/lambda-invoke-server.js';

// The BuildRunner of the AWS deployment against a stand-in for Lambda's Invoke API:
// it hands the build to the worker function asynchronously, and returns before the
// worker has run.

const FUNCTION = 'GridBuilder-BuildWorker';
let lambda: RunningLambda;
/** The worker holds each event until the test lets it finish. */
let finish!: () => void;
const finished = new Promise<void>((resolve) => {
  finish = resolve;
});
const received: unknown[] = [];

beforeAll(async () => {
  lambda = await startLambdaInvokeServer({
    [FUNCTION]: async (event: unknown) => {
      received.push(event);
      await finished;
    },
  });
});

afterAll(async () => {
  finish();
  await lambda?.stop();
});

const client = () =>
  createLambdaClient({
    lambdaEndpoint: lambda.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });

describe('LambdaBuildRunner', () => {
  it('invokes the worker function asynchronously with the grid and the build', async () => {
    const lambdaClient = client();
    try {
      await new LambdaBuildRunner(lambdaClient, FUNCTION).start('grid-1', 'a'.repeat(24));
      // Answered while the worker still holds the event: Lambda queued it, nothing waited on the build.
      expect(lambda.invocations).toEqual([]);
      finish();
      await lambda.whenIdle();
      expect(received).toEqual([{ gridId: 'grid-1', buildId: 'a'.repeat(24) }]);
      expect(lambda.invocations).toEqual([
        { functionName: FUNCTION, payload: received[0], attempts: 1 },
      ]);
    } finally {
      lambdaClient.destroy();
    }
  });

  it('fails when the function cannot be invoked, so the build is not left waiting for it', async () => {
    const lambdaClient = client();
    try {
      await expect(
        new LambdaBuildRunner(lambdaClient, 'NoSuchFunction').start('grid-1', 'b'.repeat(24)),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      lambdaClient.destroy();
    }
  });
});
