/**
 * The code of a HEIC decoder thread (CommonJS, run with `eval`): it loads libheif
 * (WebAssembly, from the file `workerData.libheif`) once, then for each message
 * `{ bytes, maxInputPixels }` decodes the primary image, with its `irot`/`imir`
 * transformations applied as libheif does by default, to RGBA, and answers
 * `{ width, height, data }` (the pixels' ArrayBuffer, moved, not copied) or `{ error }`.
 * The size checked against the limit is the primary image's after transformation,
 * read from the header before any decode.
 * A string rather than a module of its own, so that the same code runs from the
 * TypeScript sources (tests), the compiled server and the one-file Lambda bundle,
 * none of which would otherwise find a worker file in the same place.
 */
export const HEIC_WORKER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const libheif = require(workerData.libheif);
const failed = (result) => !result || (result.code !== undefined && result.code !== libheif.heif_error_Ok);

parentPort.on('message', ({ bytes, maxInputPixels }) => {
  const context = libheif.heif_context_alloc();
  let handle;
  let image;
  try {
    const read = libheif.heif_context_read_from_memory(context, bytes);
    if (failed(read)) throw new Error(read.message);
    handle = libheif.heif_js_context_get_primary_image_handle(context);
    if (failed(handle)) throw new Error(handle ? handle.message : 'no primary image');
    const width = libheif.heif_image_handle_get_width(handle);
    const height = libheif.heif_image_handle_get_height(handle);
    if (width * height > maxInputPixels) {
      parentPort.postMessage({ error: 'Input image exceeds pixel limit' });
      return;
    }
    image = libheif.heif_js_decode_image2(
      handle,
      libheif.heif_colorspace_RGB,
      libheif.heif_chroma_interleaved_RGBA,
    );
    if (failed(image)) throw new Error(image ? image.message : 'decoding failed');
    const plane = image.channels.find((channel) => channel.id === libheif.heif_channel_interleaved);
    if (!plane) throw new Error('no interleaved RGBA plane');
    // The plane is a view into the WebAssembly memory, its rows maybe padded: copy them out.
    const row = plane.width * 4;
    const data = new Uint8Array(row * plane.height);
    for (let y = 0; y < plane.height; y++) {
      data.set(plane.data.subarray(y * plane.stride, y * plane.stride + row), y * row);
    }
    parentPort.postMessage({ width: plane.width, height: plane.height, data: data.buffer }, [data.buffer]);
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  } finally {
    if (image && image.image) libheif.heif_image_release(image.image);
    if (handle && !failed(handle)) libheif.heif_image_handle_release(handle);
    libheif.heif_context_free(context);
  }
});
`;
