import { OpenAPIHono } from '@hono/zod-openapi';
import type { GridService } from '../core/grid-service.js';
import type { Absolute } from './presenters.js';

export interface AppEnv {
  Variables: {
    requestId: string;
    service: GridService;
    /** Makes a relative link (local backend) absolute against PUBLIC_URL or the request's origin. */
    absolute: Absolute;
  };
}

/** A router whose request validation answers like every other error: 400 `{"message"}`. */
export const createRouter = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const message = result.error.issues[0]?.message ?? 'The request is malformed.';
        return c.json({ message }, 400);
      }
    },
  });
