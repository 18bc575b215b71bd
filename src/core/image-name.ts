import { GridBuilderError } from './errors.js';

/** An image name's length at most, in Unicode code points (after NFC). */
export const IMAGE_NAME_MAX = 255;

const invalid = (message: string) =>
  new GridBuilderError('invalid_request', message, { code: 'invalid_parameter', param: 'name' });

/**
 * The name an image is stored with (its file's), from what a client sent: undefined
 * when it sent none. Only the base name is kept, since a client may send a path and a
 * path says where a file lives on someone's machine, which is theirs to keep; NFC, so
 * the same name typed on macOS (NFD) and elsewhere is the same. Names are shown and
 * drawn as text, so control characters (C0, DEL, C1), which no file manager shows, are
 * refused rather than dropped: the user renames the file, and sees the name kept.
 */
export function parseImageName(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  const name = (input.split(/[/\\]/).at(-1) ?? '').normalize('NFC');
  if (name === '') {
    throw invalid(
      "name must be the file's name: it is empty once any folder part (up to the last / or \\) is removed.",
    );
  }
  if (/\p{Cc}/u.test(name)) {
    throw invalid(
      'name must not contain control characters (line breaks, tabs and the like): remove them from the file name.',
    );
  }
  if (/^\s+$/u.test(name)) throw invalid("name must not be only spaces: send the file's name.");
  const length = [...name].length;
  if (length > IMAGE_NAME_MAX) {
    throw invalid(
      `name must be at most ${IMAGE_NAME_MAX} characters; this one has ${length}: shorten the file name.`,
    );
  }
  return name;
}
