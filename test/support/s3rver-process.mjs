// Runs s3rver in its own Node process, started by test/support/aws-servers.ts.
//
// Why a separate process: s3rver signs ListObjectsV2 continuation tokens with DES,
// which OpenSSL 3 only offers through its legacy provider, so a truncated listing
// (more than 1000 keys) fails in a normal Node process. This process runs with
// --openssl-legacy-provider; the tests' own process keeps the default crypto.
//
// Prints one JSON line {"port": N} once listening; exits when its stdin closes
// (so it never outlives the test process) or on SIGTERM.
import S3rver from 's3rver';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: s3rver-process.mjs DIRECTORY');
  process.exit(2);
}

const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.httpServer?.closeAllConnections();
  await server.close().catch(() => {});
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
