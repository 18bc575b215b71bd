import { describe, expect, test } from 'vitest';
import { expectErrorBody } from '../support/error-codes.js';
import { useTestServer } from '../support/local-server.js';
import { jsonBodyOf, openSocket, replyOf } from '../support/raw-http.js';

const server = useTestServer();

/** Requests no well-behaved client sends, written on a raw socket. */
const CASES: { name: string; request: string; status: number; message: RegExp }[] = [
  {
    name: 'Content-Length and Transfer-Encoding together',
    request:
      'POST /add_image?uniqueGridId=g HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    status: 400,
    message: /Content-Length|Transfer-Encoding/,
  },
  {
    name: 'no Host header',
    request: 'GET /health HTTP/1.1\r\n\r\n',
    status: 400,
    message: /Host/,
  },
  {
    name: 'a Host header that is not a host name',
    request: 'GET /health HTTP/1.1\r\nHost: exa mple\r\n\r\n',
    status: 400,
    message: /Host/,
  },
  {
    name: 'headers over the size limit',
    request: `GET /health HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 431,
    message: /headers/,
  },
  {
    name: 'a URL over the size limit',
    request: `GET /health?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    status: 431,
    message: /URL/,
  },
  {
    name: 'not HTTP at all',
    request: 'HELLO\r\n\r\n',
    status: 400,
    message: /HTTP/,
  },
];

describe('malformed HTTP gets a status and a JSON message, then the connection closes', () => {
  for (const { name, request, status, message } of CASES) {
    test(name, async () => {
      const socket = openSocket(server.url);
      const reply = replyOf(socket, 15_000);
      socket.write(request);
      const { how, status: got, text } = await reply;
      expect(got, text).toBe(status);
      expect(text).toMatch(/content-type: application\/json/i);
      expect(expectErrorBody(jsonBodyOf(text)).message).toMatch(message);
      expect(how).toBe('closed');
    });
  }

  test('an HTTP/1.0 request needs no Host header (as before)', async () => {
    const socket = openSocket(server.url);
    const reply = replyOf(socket, 15_000);
    socket.write('GET /health HTTP/1.0\r\n\r\n');
    const { status, text } = await reply;
    expect(status, text).toBe(200);
  });

  test('the server still answers afterwards', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
