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
});
