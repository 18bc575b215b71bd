import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The page under test is the built one (dist/web), served by the built-in server. */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'inherit',
  });
}
