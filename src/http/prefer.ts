/**
 * The preferences of a `Prefer` header (RFC 7240) that generate_grid honours: they are
 * comma-separated, each a token, maybe `=value` and `;parameters`; tokens are
 * case-insensitive. Several Prefer headers arrive joined by commas.
 */
const preferences = (header: string | undefined) =>
  (header ?? '').split(',').map((preference) => {
    const [token = '', value] = (preference.split(';')[0] ?? '').split('=');
    return { token: token.trim().toLowerCase(), value: value?.trim().replace(/^"(.*)"$/, '$1') };
  });

/** Whether the client asks for `respond-async`: a 202 and a status to follow. */
export const prefersRespondAsync = (header: string | undefined): boolean =>
  preferences(header).some(({ token }) => token === 'respond-async');

/**
 * The `wait=N` preference: how many seconds the client would wait for the answer, so a
 * build expected to take no longer is answered 200 even with respond-async.
 */
export function preferredWaitSeconds(header: string | undefined): number | undefined {
  const value = preferences(header).find(({ token }) => token === 'wait')?.value;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
