import { OpenAPIHono } from '@hono/zod-openapi';
import { GridBuilderError } from '../core/errors.js';
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

/** The names the grid id goes by: the lab's query parameter and the resource routes' path. */
const GRID_ID_PARAMS = ['uniqueGridId', 'gridId'];

/**
 * A router whose request validation fails like every other error (400, through
 * errorResponse), naming the parameter or body field that is wrong.
 */
export const createRouter = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const param = typeof issue?.path[0] === 'string' ? issue.path[0] : undefined;
      throw new GridBuilderError('invalid_request', issue?.message ?? 'The request is malformed.', {
        code:
          param === undefined
            ? 'invalid_request'
            : GRID_ID_PARAMS.includes(param)
              ? 'invalid_grid_id'
              : 'invalid_parameter',
        param,
      });
    },
  });
