import sharp from 'sharp';

/**
 * sharp's defaults suit one-off scripts, not a server: its operation cache keeps
 * decoded images of inputs that never repeat here (memory for nothing), and several
 * threads per image would fight the parallel decodes the build already runs. Each
 * build runs one libvips thread per image and as many images at once as it is told.
 */
export function configureSharp(): void {
  sharp.cache(false);
  sharp.concurrency(1);
}
