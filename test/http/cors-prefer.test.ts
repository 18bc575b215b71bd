import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/local-server.js';

const server = useTestServer();

describe('CORS for a page on another origin', () => {
  it('allows the Prefer header, with which it asks for a build in the background', async () => {
    const preflight = await fetch(`${server.url}/generate_grid?uniqueGridId=x`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://page.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, prefer',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/\bprefer\b/i);
  });

  it('allows Content-Disposition, which names an uploaded image', async () => {
    const preflight = await fetch(`${server.url}/add_image?uniqueGridId=x`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://page.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-disposition',
      },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(
      /\bcontent-disposition\b/i,
    );
  });

  it('lets the page read X-Request-Id, to quote when something fails', async () => {
    const answer = await fetch(`${server.url}/health`, {
      headers: { Origin: 'https://page.example.com' },
    });
    expect(answer.headers.get('x-request-id')).toBeTruthy();
    expect(answer.headers.get('access-control-expose-headers')).toMatch(/\bx-request-id\b/i);
  });
});
