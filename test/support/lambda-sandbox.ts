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
  /**
   * As invoke, with the lines the function printed on stdout by the time it returned
   * (one invocation at a time: those of another running meanwhile would mix in).
   */
  invokeLogged(handler: string, event: unknown): Promise<LoggedInvocation>;
  stop(): Promise<void>;
}

export interface LoggedInvocation {
  result: unknown;
  /** The context's id of this invocation. */
  awsRequestId: string;
  lines: string[];
}

/** Errors a handler threw, with their name, as Lambda reports them. */
export class FunctionError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** What the sandbox printed, in runs that each end with its {"invoked": awsRequestId} line. */
class PrintedLines {
  private current: string[] = [];
  private readonly ended = new Map<string, string[]>();
  private readonly waiting = new Map<string, (lines: string[]) => void>();

  add(line: string) {
    const invoked = /^\{"invoked":"([^"]+)"\}$/.exec(line)?.[1];
    if (invoked === undefined) {
      this.current.push(line);
      return;
    }
    const lines = this.current;
    this.current = [];
    const waiter = this.waiting.get(invoked);
    this.waiting.delete(invoked);
    if (waiter) waiter(lines);
    else this.ended.set(invoked, lines);
  }

  /** The lines printed before the end of invocation `awsRequestId`, once it is printed. */
  before(awsRequestId: string): Promise<string[]> {
    const lines = this.ended.get(awsRequestId);
    this.ended.delete(awsRequestId);
    if (lines) return Promise.resolve(lines);
    return new Promise((resolve) => this.waiting.set(awsRequestId, resolve));
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
  const printed = new PrintedLines();
  const listening = new Promise<string>((resolve) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (first) => {
      resolve(first);
      lines.on('line', (line) => printed.add(line));
    });
  });
  const line = await Promise.race([
    listening,
    exited.then(([code]) => {
      throw new Error(`the sandbox of ${name} exited with code ${code} before listening`);
    }),
  ]);
  const endpoint = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  const run = async (handler: string, event: unknown) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      body: JSON.stringify({ handler, event }),
    });
    const answer = (await response.json()) as {
      result?: unknown;
      awsRequestId?: string;
      error?: { name: string; message: string };
    };
    if (answer.error) throw new FunctionError(answer.error.name, answer.error.message);
    return { result: answer.result, awsRequestId: answer.awsRequestId as string };
  };
  return {
    name,
    async invoke(handler, event) {
      return (await run(handler, event)).result;
    },
    async invokeLogged(handler, event) {
      const { result, awsRequestId } = await run(handler, event);
      return { result, awsRequestId, lines: await printed.before(awsRequestId) };
    },
    async stop() {
      if (child.exitCode === null) {
        child.stdin.end();
        await exited;
      }
    },
  };
}
