import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The built CLI, as `npm link` or npx would run it. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/cli/main.js ...args` in a child process. Asynchronous on purpose:
 * the server under test runs in this process and must keep answering meanwhile.
 */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? root,
      env: { ...withoutUrl(process.env), ...options.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The caller's GRIDBUILDER_URL and GRIDBUILDER_API_KEY must not leak into a test. */
function withoutUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { GRIDBUILDER_URL: _url, GRIDBUILDER_API_KEY: _key, ...rest } = env;
  return rest;
}

/** Compiles src/ into dist/ (the CLI and the server; not the web page). */
export async function buildServerAndCli(): Promise<void> {
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  await execFileAsync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
}
