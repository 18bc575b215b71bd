// Runs the Lambda bundle's handlers in a fresh Node process, as one Lambda execution
// environment would: started by test/support/bundled-function.ts with the function's
// environment, it imports the bundle once (a cold start) and then runs each invocation
// the parent sends over the IPC channel, several at once if sent so. Plain JavaScript
// and no imports but the bundle: what the handlers resolve, they resolve from the
// bundle's own folder. The handlers' log lines go to stdout, as on Lambda.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const bundle = process.argv[2];
if (!bundle || !process.send) {
  console.error('usage: fork bundled-function-process.mjs BUNDLE_FILE (with an IPC channel)');
  process.exit(2);
}
const handlers = await import(bundle);

/** The context Lambda passes: the parent's fields, with its functions added back. */
const contextOf = ({ fields, timeoutMs }) => {
  const deadline = Date.now() + timeoutMs;
  return {
    ...fields,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
};

const peakRssBytes = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;

process.on('message', async (message) => {
  const { id } = message;
  if (message.type === 'inspect') {
    process.send({
      id,
      result: {
        exported: Object.keys(handlers).sort(),
        sharpPath: createRequire(bundle).resolve('sharp'),
        peakRssBytes: peakRssBytes(),
      },
    });
    return;
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    const result = await handlers[message.handler](message.event, contextOf(message.context));
    const { user, system } = process.cpuUsage(cpu);
    process.send({ id, result, ms: performance.now() - started, cpuMs: (user + system) / 1000 });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.stack : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
