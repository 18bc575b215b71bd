/**
 * How the API client sends a request: fetch in the CLI, XMLHttpRequest in the page
 * (the only browser API that reports upload progress). The client builds requests and
 * reads answers; a transport only moves bytes.
 */

/** Bytes sent so far of `total`. */
export type Progress = (loaded: number, total: number) => void;

/** An image's bytes: a file read by the CLI, or a File the page was given. */
export type Body = Blob | Uint8Array<ArrayBuffer>;

export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Body | string | undefined;
  onProgress?: Progress | undefined;
}

export interface Answer {
  status: number;
  /** Its headers; cross-origin, only those the API exposes (CORS). */
  headers: Headers;
  body: Uint8Array;
}

/** Resolves with any answer, error statuses too; rejects (with the reason) only when none came. */
export type Transport = (request: OutgoingRequest) => Promise<Answer>;
