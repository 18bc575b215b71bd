/**
 * One Lambda function of the host bundle (host-bundle.ts) in its own fresh Node
 * process (bundled-function-process.mjs), run outside the repository with only the
 * environment given: proof that the bundle resolves sharp and its own imports, and the
 * process whose time and memory the bench's AWS rows measure.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { lambdaContext } from './api-gateway-events.js';

const PROCESS = fileURLToPath(new URL('./bundled-function-process.mjs', import.meta.url));

export interface Invoked<T> {
  result: T;
  /** The handler's own time, measured in its process. */
  ms: number;
  /** The process's CPU (all threads) meanwhile: the handler's alone if it ran alone. */
  cpuMs: number;
}

export interface BundleInspection {
  /** The bundle's exports, sorted. */
  exported: string[];
  /** Where the bundle's `require('sharp')` resolves. */
  sharpPath: string;
  /** The process's peak resident memory so far (VmHWM). */
  peakRssBytes: number;
}

export interface BundledFunction {
  readonly child: ChildProcess;
  /** The JSON lines the process printed on stdout (its logs); all of them once stopped. */
  readonly logs: Record<string, unknown>[];
  /** Runs `handler` (an export of the bundle) with the event; rejects if it throws. */
  invoke<T = unknown>(handler: string, event: unknown): Promise<Invoked<T>>;
  inspect(): Promise<BundleInspection>;
  /** Ends the process once its invocations are done, and its output read. */
  stop(): Promise<void>;
}

export interface BundledFunctionOptions {
  /** As Lambda names it; the context's functionName. */
  functionName: string;
  /** The whole environment of the process (PATH is added). */
  env: Record<string, string>;
  /** What getRemainingTimeInMillis counts down from at each invocation. */
  timeoutMs?: number;
}

type Reply = { id: number; result?: unknown; ms?: number; cpuMs?: number; error?: string };

export async function startBundledFunction(
  assetDir: string,
  { functionName, env, timeoutMs = 30_000 }: BundledFunctionOptions,
): Promise<BundledFunction> {
  const child = fork(PROCESS, [join(assetDir, 'index.mjs')], {
    cwd: join(assetDir, '..'),
    env: { PATH: process.env.PATH ?? '', ...env },
    execArgv: [], // a plain Node, without the loaders of the process that starts it
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logs: Record<string, unknown>[] = [];
  const output = Promise.all([
    (async () => {
      for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
        if (line.startsWith('{')) logs.push(JSON.parse(line));
      }
    })(),
    (async () => {
      for await (const chunk of child.stderr as NodeJS.ReadableStream) process.stderr.write(chunk);
    })(),
  ]);
  const exited = once(child, 'exit');
  await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`the bundled ${functionName} exited (${code}) before it was ready`);
    }),
  ]);

  const pending = new Map<number, (reply: Reply) => void>();
  let nextId = 0;
  child.on('message', (reply: Reply) => pending.get(reply.id)?.(reply));
  child.on('exit', (code, signal) => {
    for (const [id, answer] of pending) answer({ id, error: `exited (${code ?? signal})` });
  });
  const ask = (message: object) =>
    new Promise<Reply>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (reply) => {
        pending.delete(id);
        if (reply.error !== undefined) reject(new Error(`${functionName}: ${reply.error}`));
        else resolve(reply);
      });
      child.send({ ...message, id });
    });
  const context = { fields: lambdaContext(functionName), timeoutMs };

  return {
    child,
    logs,
    async invoke<T>(handler: string, event: unknown) {
      const reply = await ask({ type: 'invoke', handler, event, context });
      return { result: reply.result as T, ms: reply.ms as number, cpuMs: reply.cpuMs as number };
    },
    async inspect() {
      return (await ask({ type: 'inspect' })).result as BundleInspection;
    },
    async stop() {
      if (child.connected) child.disconnect();
      await Promise.all([exited, output]);
    },
  };
}
