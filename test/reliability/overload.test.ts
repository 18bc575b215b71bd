import { connect, type Socket } from 'node:net';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { makeImage } from './support/images.js';
import { serverProcessFor } from './support/server-process.js';

const busy = serverProcessFor('overload', {
  MAX_CONCURRENT_BUILDS: '1',
  MAX_QUEUED: '1',
  QUEUE_TIMEOUT_MS: '100',
  HEADERS_TIMEOUT_MS: '1000',
  REQUEST_TIMEOUT_MS: '2000',
  KEEP_ALIVE_TIMEOUT_MS: '500',
});

describe('overload', () => {
  test('builds beyond the limit and its queue get 503 with Retry-After and a message, and the server keeps serving', async () => {
    for (let i = 0; i < 24; i++) {
      const response = await fetch(`${busy().url}/add_image?uniqueGridId=busy`, {
        method: 'POST',
        body: new Uint8Array(await makeImage('jpeg', i, 640, 480)),
      });
      expect(response.status).toBe(200);
    }
    // Different tile sizes: each is a real build, none answered from the stored result.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(`${busy().url}/generate_grid?uniqueGridId=busy&tileSize=${400 + i}`, {
          method: 'POST',
        }).then(async (r) => ({
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          body: (await r.json()) as { message: string; code: string },
        })),
      ),
    );
    const refused = answers.filter((a) => a.status === 503);
    const built = answers.filter((a) => a.status === 200);
    expect(built.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(built.length + refused.length).toBe(answers.length);
    for (const answer of refused) {
      expect(answer.retryAfter).toMatch(/^\d+$/);
      expect(answer.body.message).toMatch(/busy.*try again/i);
      expect(answer.body.code).toBe('overloaded');
    }
    const again = await fetch(`${busy().url}/generate_grid?uniqueGridId=busy&tileSize=401`, {
      method: 'POST',
    });
    expect(again.status).toBe(200);
    console.log(
      `[reliability] overload: ${answers.length} simultaneous builds with 1 slot + 1 queued -> ${built.length} built, ${refused.length} x 503 Retry-After`,
    );
  });
});

/** Resolves with how the server ended the connection, or 'open' after `capMs`. */
function waitForClose(socket: Socket, capMs: number): Promise<{ how: string; reply: string }> {
  let reply = '';
  socket.on('data', (chunk) => {
    reply += chunk;
  });
  return new Promise((resolve) => {
    const cap = setTimeout(() => resolve({ how: 'open', reply }), capMs);
    socket.once('close', () => {
      clearTimeout(cap);
      resolve({ how: 'closed', reply });
    });
    socket.once('error', () => {});
  });
}

describe('slow clients', () => {
  const open = () => connect({ host: '127.0.0.1', port: Number(new URL(busy().url).port) });

  test('a client that trickles its headers (slowloris) is cut off', async () => {
    const socket = open();
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One header byte every 200 ms: never finishes within HEADERS_TIMEOUT_MS (1 s).
    const trickle = setInterval(() => socket.writable && socket.write('X'), 200);
    const result = await waitForClose(socket, 15_000);
    clearInterval(trickle);
    socket.destroy();
    expect(result.how).toBe('closed');
    expect(result.reply).not.toMatch(/"status":"ok"/);
  });

  test('a client that trickles its body is cut off', async () => {
    const socket = open();
    socket.write(
      'POST /add_image?uniqueGridId=slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n',
    );
    const trickle = setInterval(() => socket.writable && socket.write('\xff'), 200);
    const result = await waitForClose(socket, 15_000);
    clearInterval(trickle);
    socket.destroy();
    expect(result.how).toBe('closed');
    expect(result.reply).not.toMatch(/image saved/);
  });

  test('a connection that sends nothing is closed', async () => {
    const socket = open();
    const result = await waitForClose(socket, 15_000);
    socket.destroy();
    expect(result.how).toBe('closed');
  });

  test('the server still answers after the slow clients', async () => {
    const response = await fetch(`${busy().url}/health`);
    expect(response.status).toBe(200);
    expect(busy().exited()).toBeUndefined();
  });
});

describe('upload bodies held in memory', () => {
  const small = serverProcessFor('held-bodies', {
    MAX_UPLOAD_BYTES: '300000',
    MAX_BUFFERED_UPLOAD_BYTES: '400000',
  });

  test('past MAX_BUFFERED_UPLOAD_BYTES an upload gets 503, and the bytes are freed when the holder leaves', async () => {
    const image = await sharp({
      create: {
        width: 300,
        height: 200,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(image.length).toBeGreaterThan(150_000);
    expect(image.length).toBeLessThan(300_000);
    const post = () =>
      fetch(`${small().url}/add_image?uniqueGridId=held`, {
        method: 'POST',
        body: new Uint8Array(image),
      });

    // A client that declares 300,000 bytes and sends 260,000 of them: what it sent is
    // held for it (bytes count as they arrive, not as declared), 140,000 are left.
    const holder = connect({ host: '127.0.0.1', port: Number(new URL(small().url).port) });
    holder.write(
      'POST /add_image?uniqueGridId=held HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000\r\n\r\n',
    );
    holder.write(Buffer.alloc(260_000, 0xff));
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const refused = await post();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({
      message: expect.stringMatching(/too many uploads/),
      code: 'overloaded',
    });

    holder.destroy();
    let accepted = await post();
    for (let tries = 0; accepted.status === 503 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      accepted = await post();
    }
    expect(accepted.status).toBe(200);
    expect(small().exited()).toBeUndefined();
  });
});
