import {
  type IncomingMessage,
  maxHeaderSize,
  type RequestListener,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../core/errors.js';
import { errorBody } from '../http/error-response.js';

/**
 * Requests the HTTP parser refuses never reach the app, and Node answered them with an
 * empty body; the contract promises every error a JSON message that says what to fix,
 * with its code. These answer for them, at the two places such requests end.
 */

/** Node's 'clientError': the bytes are not an HTTP/1.1 request the parser accepts. */
export function answerMalformedRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const answering = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    // A reset client cannot read an answer, and one already under way cannot be replaced.
    if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] = describe(error.code);
    const body = JSON.stringify(errorBody(code, message));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

function describe(code: string | undefined): [number, ErrorCode, string] {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return [
      431,
      'headers_too_large',
      `The request line and headers are larger than ${maxHeaderSize.toLocaleString('en-US')} bytes (the URL counts too): shorten the URL or the headers.`,
    ];
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [408, 'timeout', 'The request did not arrive in time: send it again without pausing.'];
  }
  if (code === 'HPE_UNEXPECTED_CONTENT_LENGTH' || code?.includes('TRANSFER_ENCODING')) {
    return [
      400,
      'invalid_request',
      'The request has both Content-Length and Transfer-Encoding, or a Transfer-Encoding other than chunked: send exactly one of them.',
    ];
  }
  if (code?.includes('CONTENT_LENGTH')) {
    return [
      400,
      'invalid_request',
      'The Content-Length header is not valid: send one, as a decimal number.',
    ];
  }
  return [
    400,
    'invalid_request',
    `The request is not valid HTTP/1.1 (${code ?? 'unreadable'}): check the request line and the headers.`,
  ];
}

/**
 * The request parsed but the Node adapter cannot make a URL of it (a Host that is not
 * a host name, a backslash in the path): its errorHandler.
 */
export function answerUnusableRequest(error: unknown): Response {
  const reason = error instanceof Error ? error.message : '';
  const message = /host/i.test(reason)
    ? 'The Host header is missing or not a host name: send the server\'s host, e.g. "Host: grids.example.com".'
    : `The Host header or the path is not valid (${reason || 'unreadable'}): send a host name in Host and a path that starts with /.`;
  return Response.json(errorBody('invalid_request', message), {
    status: 400,
    headers: { Connection: 'close' },
  });
}

/**
 * HTTP/1.1 requires a Host header; HTTP/1.0 clients (old health checkers) may omit it,
 * and the adapter then uses its default host name. Node's own check would answer an
 * empty 400, so it is off and done here.
 */
export function requireHostOnHttp11(listener: RequestListener): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    if (request.headers.host !== undefined || request.httpVersion === '1.0') {
      return listener(request, response);
    }
    const body = JSON.stringify(
      errorBody(
        'invalid_request',
        'The request has no Host header, which HTTP/1.1 requires: send the server\'s host, e.g. "Host: grids.example.com".',
      ),
    );
    response.writeHead(400, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    });
    response.end(body);
  };
}
