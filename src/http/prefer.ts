/**
 * Whether a `Prefer` header (RFC 7240) asks for `respond-async`: preferences are
 * comma-separated, each a token, maybe `=value` and `;parameters`; tokens are
 * case-insensitive. Several Prefer headers arrive joined by commas.
 */
export function prefersRespondAsync(header: string | undefined): boolean {
  return (header ?? '')
    .split(',')
    .some((preference) => preference.split(/[;=]/)[0]?.trim().toLowerCase() === 'respond-async');
}
