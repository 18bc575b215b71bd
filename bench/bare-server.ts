/**
 * Baseline for uploads: a bare node:http server that only writes each request body to
 * a file (flushed to disk before it answers, as GridBuilder's store does) and answers
 * a small JSON. No validation, no index. `tsx bench/bare-server.ts DIR`
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2] as string;
const fsync = process.env.BARE_FSYNC !== '0';

const server = createServer(async (request, response) => {
  const file = createWriteStream(join(dir, randomUUID()), { flush: fsync });
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  try {
    await pipeline(request, file);
  } catch {
    response.destroy(); // the client left mid-body (a load run ending)
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ message: 'saved', size }));
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') {
    process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
  }
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
