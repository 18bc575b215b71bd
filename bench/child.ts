import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Runs TypeScript through tsx without a build step, in a fresh Node process. */
export const TSX = [process.execPath, '--import', 'tsx'] as const;
/**
 * GridBuilder's server as `npm start` runs it, from the build (`npm run bench` builds
 * first): under tsx it would carry tsx's loader thread and some 30 MB more.
 */
export const GRIDBUILDER_SERVER = [process.execPath, 'dist/server/launch.cjs'] as const;

export interface ChildResult {
  runsMs: number[];
  /** CPU milliseconds of each run, where the child measures it. */
  cpuMs?: number[];
  cachedMs?: number[];
  /** The built image's size, where the child reports it. */
  size?: { width: number; height: number };
  peakRssBytes: number;
}

/** Runs a command to completion and parses the JSON line it prints last. */
export function runJsonChild(
  command: readonly string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`${command.join(' ')} failed (exit ${code}):\n${stderr || stdout}`));
        return;
      }
      resolve(JSON.parse(last) as ChildResult);
    });
  });
}

export interface StartedServer {
  url: string;
  child: ChildProcess;
  /** Peak resident memory of the server process so far (VmHWM). */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

/**
 * Starts a server child and waits for the line that says where it listens: GridBuilder's
 * pino log (`"url":"http://..."`) or the bare server's `listening http://...`.
 */
export function startServerChild(
  command: readonly string[],
  env: Record<string, string>,
): Promise<StartedServer> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const tooSlow = setTimeout(() => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      reject(new Error(`server did not say where it listens within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /(?:"url":"|listening )(http:\/\/[^"\s]+)/.exec(output);
      if (!match) return;
      clearTimeout(tooSlow); // else it would stop the server 30 s after its start
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve({
        url: match[1] as string,
        child,
        peakRssBytes: () => peakRssOf(child.pid as number),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', (code) => {
      clearTimeout(tooSlow);
      reject(new Error(`server exited (${code}):\n${output}`));
    });
  });
}

/**
 * Peak resident memory (VmHWM) of a process, this one by default. Not getrusage's
 * maxRSS: on Linux a spawned child's maxRSS starts at its parent's RSS when it forked,
 * so a child of the bench would report at least the bench's own memory.
 */
export function peakRssOf(pid: number | 'self' = 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : Number.NaN;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
