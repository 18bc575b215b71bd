import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { BuildRunner } from '../../core/ports.js';

/**
 * Runs recorded builds in the AWS deployment's BuildWorker function
 * (src/lambda/build-worker.ts), which has the 15 minutes a build may need where the
 * API's functions have API Gateway's 30 s. The invocation is asynchronous: Lambda
 * queues the event and answers at once, retries the worker twice when it throws, and
 * the build's record in the table says how it went.
 */
export class LambdaBuildRunner implements BuildRunner {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  /**
   * Resolves once Lambda has queued the event. A function that cannot be invoked
   * (missing, not allowed, Lambda unreachable after the SDK's retries) rejects with
   * the SDK's error: a deployment fault, which the HTTP edge logs and answers 500.
   */
  async start(gridId: string, buildId: string): Promise<void> {
    await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: JSON.stringify({ gridId, buildId }),
      }),
    );
  }
}
