import type { Transport } from './transport.js';

/**
 * The Transport of fetch (Node's undici, or a browser's). Without an answer it rejects
 * with the most telling reason: undici hides the system's (ECONNREFUSED) in `cause`.
 */
export const fetchTransport =
  (timeoutMs?: number): Transport =>
  async ({ method, url, headers, body }) => {
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: body ?? null,
        ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
      });
      const answer = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, body: answer };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new Error(reason, { cause: error });
    }
  };
