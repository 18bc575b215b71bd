import type { Transport } from './transport.js';

/** The Transport of XMLHttpRequest: the browser's only way to report upload progress. */
export const xhrTransport: Transport = ({ method, url, headers, body, onProgress }) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.responseType = 'arraybuffer';
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    xhr.onload = () =>
      resolve({
        status: xhr.status,
        headers: headersOf(xhr.getAllResponseHeaders()),
        body: new Uint8Array(xhr.response as ArrayBuffer),
      });
    xhr.onerror = () => reject(new Error('network error'));
    xhr.ontimeout = xhr.onerror;
    xhr.send(body ?? null);
  });

/** XMLHttpRequest's "name: value" lines as Headers. */
function headersOf(lines: string): Headers {
  const headers = new Headers();
  for (const line of lines.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
}
