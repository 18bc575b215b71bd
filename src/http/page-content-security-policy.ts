/**
 * The web page's Content-Security-Policy, in one place for every host of the page:
 * the local server (routes/web.ts) and CloudFront on AWS (infra/lib/web-hosting.ts).
 *
 * The page allows only its own scripts and styles (Vite emits no inline code), and
 * talks to and shows images from its own origin and `extraOrigins` (the API's and
 * the storage's when they live elsewhere), plus blob: URLs for the previews of the
 * files being uploaded and the built grid. No imports: the CDK app loads this file.
 */
export function contentSecurityPolicy(extraOrigins: readonly string[] = []): string {
  const others = extraOrigins.length ? ` ${extraOrigins.join(' ')}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' blob:${others}`,
    `connect-src 'self'${others}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
