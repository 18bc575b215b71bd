/**
 * Holds one chosen request in a test proxy (http-proxy.ts) until the test lets it go:
 * a storage call that hangs, made deterministic. Pass `hooks` to `startProxy` for each
 * proxy that may hold it.
 */
import type { ProxiedRequest, ProxyHooks } from './http-proxy.js';
import { type Gate, gate } from './pause-points.js';

export interface RequestHolder {
  hooks: ProxyHooks;
  /**
   * Holds the first request `matches` picks while `run` runs, checks that it was held
   * (so the outcome is the bound's, not some other failure), and lets it go after.
   */
  whileHolding<T>(matches: (request: ProxiedRequest) => boolean, run: () => Promise<T>): Promise<T>;
}

export function requestHolder(): RequestHolder {
  let held: { matches: (request: ProxiedRequest) => boolean; gate: Gate } | undefined;
  return {
    hooks: {
      async answer(request) {
        const hold = held;
        if (hold?.matches(request)) {
          held = undefined;
          hold.gate.reach();
          await hold.gate.released;
        }
        return undefined;
      },
    },
    async whileHolding(matches, run) {
      const hold = { matches, gate: gate() };
      held = hold;
      try {
        const result = await run();
        await hold.gate.reached;
        return result;
      } finally {
        held = undefined;
        hold.gate.release();
      }
    },
  };
}

/** The action of a DynamoDB request (Query, PutItem...), from its X-Amz-Target. */
export const dynamoDbAction = (request: ProxiedRequest) =>
  String(request.headers['x-amz-target']).split('.')[1];
