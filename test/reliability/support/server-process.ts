import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { newDataDir } from './data-dir.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resident memory of the server process in bytes (Linux /proc). */
  rss(): number;
  /** SIGKILL: no shutdown code runs, as in a power cut of the process. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** Whether it exited, and how. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * GridBuilder's real server (src/server/main.ts through tsx, so no build is needed;
 * it must log at info level, the "listening" line is how its URL is found)
 * as a child process on 127.0.0.1 and a free port; resolves once it listens.
 */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    // Never leave a server behind that did not come up: kill it and say why.
    const startup = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not log "listening" within 30 s: ${stderr}`));
    }, 30_000);
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /listening on (http:\/\/[^"\s]+)/.exec(buffered);
      if (!match) return;
      clearTimeout(startup);
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve({
        url: match[1] as string,
        child,
        rss: () => {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
        },
        kill: async () => {
          if (!exit) child.kill('SIGKILL');
          await exitPromise;
        },
        stop: async () => {
          if (!exit) child.kill('SIGTERM');
          await exitPromise;
        },
        exited: () => exit,
      });
    };
    child.stdout?.on('data', onData);
    void exitPromise.then(() => {
      clearTimeout(startup);
      reject(new Error(`server exited before listening: ${JSON.stringify(exit)} ${stderr}`));
    });
  });
}

/**
 * A server process of the enclosing suite's own, on a fresh data folder: started before
 * its tests, stopped and removed after them.
 */
export function serverProcessFor(name: string, env: Record<string, string>): () => ServerProcess {
  let server: ServerProcess | undefined;
  const dataDir = newDataDir(name);
  beforeAll(async () => {
    server = await startServerProcess({ DATA_DIR: dataDir, ...env });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return () => server as ServerProcess;
}
