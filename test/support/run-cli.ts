import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The built CLI, as `npm link` or npx would run it. */
export const CLI = fileURLToPath(new URL('../../dist/cli/launch.cjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * For a CLI test file: builds the CLI before its tests and gives them a work folder
 * (removed after them) and `gridbuilder(command, grid, args)`, which runs
 * `gridbuilder COMMAND --grid GRID ...ARGS --url URL` against the server at `url()`.
 */
export function useCli(url: () => string) {
  const work = mkdtempSync(join(tmpdir(), 'gridbuilder-cli-'));
  beforeAll(buildServerAndCli);
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  return {
    work,
    /** `--url URL`, for runs that name no grid. */
    urlArgs: () => ['--url', url()],
    gridbuilder: (
      command: string,
      grid: string,
      args: readonly string[] = [],
      options?: CliOptions,
    ) => runCli([command, '--grid', grid, ...args, '--url', url()], options),
  };
}

/**
 * Runs `node dist/cli/launch.cjs ...args` in a child process. Asynchronous on purpose:
 * the server under test runs in this process and must keep answering meanwhile.
 */
export async function runCli(
  args: readonly string[],
  options: CliOptions = {},
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

/**
 * Runs the CLI as `runCli` does, but in a pseudo-terminal (util-linux `script`), as a
 * person at a terminal would: stdout and stderr are TTYs, so the progress bar is drawn.
 * A terminal has one output stream: `output` is stdout and stderr as the person saw them,
 * without colour and cursor codes or carriage returns.
 */
export async function runCliInTerminal(
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): Promise<{ code: number; output: string }> {
  const command = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
  let result: { stdout: string; code: number };
  try {
    // -e: script exits with the CLI's code; a wide terminal so no line is cut short.
    const { stdout } = await execFileAsync(
      'script',
      ['-qfec', `stty cols 250 rows 50; exec ${command}`, '/dev/null'],
      { cwd: root, env: { ...withoutUrl(process.env), ...options.env }, maxBuffer: 16 << 20 },
    );
    result = { stdout, code: 0 };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string };
    if (typeof failed.code !== 'number') throw error;
    result = { stdout: failed.stdout ?? '', code: failed.code };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape codes
  const output = result.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  return { code: result.code, output };
}

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** The caller's GRIDBUILDER_URL and GRIDBUILDER_API_KEY must not leak into a test. */
function withoutUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { GRIDBUILDER_URL: _url, GRIDBUILDER_API_KEY: _key, ...rest } = env;
  return rest;
}

/**
 * Compiles src/ into dist/ (the CLI and the server; not the web page), unless dist/ is
 * already newer than every source. Test files run in parallel workers and each calls
 * this: one build at a time (a lock folder), and a file that comes second finds dist/
 * fresh and leaves it alone, so no build rewrites the files another file's CLI runs are
 * reading at that moment.
 */
export async function buildServerAndCli(): Promise<void> {
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const dist = join(root, 'dist');
  const stamp = join(dist, '.tsc-build-stamp');
  const lock = join(dist, '.tsc-build-lock');
  mkdirSync(dist, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run is stale after a few minutes: take it over.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    const built = statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (newestSource() < built) return;
    await execFileAsync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
    writeFileSync(stamp, new Date().toISOString());
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The last change to anything the build reads. */
function newestSource(): number {
  const inputs = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((file) =>
    join(root, file),
  );
  const src = join(root, 'src');
  for (const entry of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    inputs.push(join(src, entry));
  }
  // A folder's time changes when a file in it is added, removed or renamed.
  inputs.push(src);
  return Math.max(...inputs.map((path) => statSync(path).mtimeMs));
}
