/**
 * A Lambda function in its own process (test/support/lambda-sandbox-process.ts), with
 * the environment given and nothing else of the test's: its handlers read that
 * environment at their cold start and on every SDK call, as on Lambda, however many
 * other functions run at the same time.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROCESS = fileURLToPath(new URL('./lambda-sandbox-process.ts', import.meta.url));

export interface LambdaSandbox {
  name: string;
  /** Runs `handler` of src/lambda/handlers.ts on the event; rejects with what it threw. */
  invoke(handler: string, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** Errors a handler threw, with their name, as Lambda reports them. */
export class FunctionError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export async function startLambdaSandbox(
  name: string,
  env: Record<string, string>,
): Promise<LambdaSandbox> {
  const child = spawn(process.execPath, ['--import', 'tsx', PROCESS], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_NAME: name, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    exited.then(([code]) => {
      throw new Error(`the sandbox of ${name} exited with code ${code} before listening`);
    }),
  ])) as [string];
  const endpoint = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  return {
    name,
    async invoke(handler, event) {
      const response = await fetch(endpoint, {
        method: 'POST',
        body: JSON.stringify({ handler, event }),
      });
      const answer = (await response.json()) as {
        result?: unknown;
        error?: { name: string; message: string };
      };
      if (answer.error) throw new FunctionError(answer.error.name, answer.error.message);
      return answer.result;
    },
    async stop() {
      if (child.exitCode === null) {
        child.stdin.end();
        await exited;
      }
    },
  };
}
