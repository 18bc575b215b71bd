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
      resolve({ status: xhr.status, body: new Uint8Array(xhr.response as ArrayBuffer) });
    xhr.onerror = () => reject(new Error('network error'));
    xhr.ontimeout = xhr.onerror;
    xhr.send(body ?? null);
  });
