import { GridBuilderError } from '../core/errors.js';

/**
 * The file name of a `Content-Disposition` header (RFC 6266): `filename*` (RFC 8187's
 * `charset'language'%XX`, UTF-8 or ISO-8859-1) when given in a charset it names, else
 * `filename`; undefined when the header or both are absent. Only this is read from the
 * header, so a parser of its grammar here is smaller than a dependency (npm's
 * `content-disposition` is a dev-only transitive one here, at 0.5, without types).
 */

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
/** One `; name=value` after the type, spaces allowed around each part. */
const PARAMETER = new RegExp(`^\\s*;\\s*(${TOKEN})\\s*=\\s*(${TOKEN}|${QUOTED})\\s*`);
const TYPE = new RegExp(`^\\s*${TOKEN}\\s*`);
const EXT_VALUE =
  /^([!#$&+^`{}~0-9A-Za-z-]+)'[0-9A-Za-z-]*'((?:%[0-9A-Fa-f]{2}|[!#$&+.^_`|~0-9A-Za-z-])*)$/;

const malformed = (what: string) =>
  new GridBuilderError(
    'invalid_request',
    `The Content-Disposition header is malformed (${what}): send attachment; filename="NAME", or filename*=UTF-8''NAME percent-encoded, or the name as ?name=.`,
    { code: 'invalid_parameter', param: 'name' },
  );

export function filenameOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const type = TYPE.exec(header);
  if (!type) throw malformed('no disposition type');
  const parameters = new Map<string, string>();
  let rest = header.slice(type[0].length);
  while (rest !== '') {
    const parameter = PARAMETER.exec(rest);
    if (!parameter) throw malformed(`cannot read "${rest.trim().slice(0, 40)}"`);
    const [whole, name = '', value = ''] = parameter;
    const key = name.toLowerCase();
    if (parameters.has(key)) throw malformed(`${key} given twice`);
    parameters.set(key, value);
    rest = rest.slice(whole.length);
  }
  const extended = parameters.get('filename*');
  const decoded = extended === undefined ? undefined : decodeExtValue(extended);
  if (decoded !== undefined) return decoded;
  const plain = parameters.get('filename');
  return plain?.startsWith('"') ? plain.slice(1, -1).replace(/\\(.)/g, '$1') : plain;
}

/** RFC 8187's ext-value; undefined in a charset other than UTF-8 and ISO-8859-1. */
function decodeExtValue(value: string): string | undefined {
  const match = EXT_VALUE.exec(value);
  if (!match) throw malformed("filename* is not charset'language'percent-encoded-name");
  const [, charset = '', encoded = ''] = match;
  const bytes = Buffer.from(
    encoded.replace(/%([0-9A-Fa-f]{2})|[^%]/g, (char, hex: string | undefined) =>
      hex === undefined ? char : String.fromCharCode(Number.parseInt(hex, 16)),
    ),
    'latin1',
  );
  switch (charset.toLowerCase()) {
    case 'utf-8':
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw malformed('filename* is not UTF-8');
      }
    case 'iso-8859-1':
      return bytes.toString('latin1');
    default:
      return undefined;
  }
}
