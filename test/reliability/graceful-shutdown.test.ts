import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, expect, test } from 'vitest';
import { openSocket, received, replyOf } from '../support/raw-http.js';
import { newDataDir } from './support/data-dir.js';
import { makeImage } from './support/images.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

const dataDir = newDataDir('shutdown');
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Whether a new connection to the server's port is refused (the listener is closed). */
const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { port } = new URL(url);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

test('SIGTERM: the upload in flight completes with 200, idle connections close, new ones are refused, exit 0', async () => {
  server = await startServerProcess({
    DATA_DIR: dataDir,
    SHUTDOWN_GRACE_MS: '30000',
    BODY_IDLE_TIMEOUT_MS: '60000',
  });
  const { url } = server;

  // An idle keep-alive connection: it must not hold the shutdown up.
  const idle = openSocket(url);
  const idleAnswered = received(idle, '"status"');
  idle.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await idleAnswered;
  const idleEnd = replyOf(idle, 60_000);

  // An upload in flight: half its body sent when the signal arrives.
  const image = await makeImage('jpeg', 7, 640, 480);
  const upload = openSocket(url);
  const taken = received(upload, '100 Continue');
  upload.write(
    `POST /add_image?uniqueGridId=shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: ${image.length}\r\n\r\n`,
  );
  await taken;
  const half = Math.floor(image.length / 2);
  upload.write(image.subarray(0, half));
  const answer = replyOf(upload, 60_000);

  server.child.kill('SIGTERM');
  let tries = 0;
  while (!(await refused(url)) && tries < 200) {
    tries++;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await refused(url)).toBe(true);
  expect(server.exited()).toBeUndefined();

  upload.write(image.subarray(half));
  const reply = await answer;
  expect(reply.status, reply.text || reply.error).toBe(200);
  expect(reply.text).toMatch(/image saved/);

  expect((await idleEnd).how).toBe('closed');
  // Wait for the exit the first SIGTERM started: a second one would force it.
  const { child } = server;
  if (!server.exited()) await new Promise((resolve) => child.once('exit', resolve));
  expect(server.exited()).toEqual({ code: 0, signal: null });
});
