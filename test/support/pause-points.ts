/**
 * Deterministic races: wraps a storage port so that one chosen call stops before it
 * runs, until the test releases it. The test then runs the competing operation to the
 * end in that gap, instead of hoping a lucky timing puts it there.
 */

export interface PausePoint {
  /** Resolves once the paused call has reached the pause. */
  reached: Promise<void>;
  /** Lets the paused call go on. */
  release(): void;
}

/** A pause point seen from both sides: the paused code's `reach` and `released`. */
export interface Gate extends PausePoint {
  reach(): void;
  released: Promise<void>;
}

export function gate(): Gate {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { reached, release, reach, released };
}

type Method<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

/**
 * A proxy of `target` whose `method` pauses on the first call for which `when` holds
 * (every other call runs straight through); `pause` says when it was reached and
 * releases it.
 */
export function pauseOnce<T extends object, M extends Method<T>>(
  target: T,
  method: M,
  when: (...args: unknown[]) => boolean = () => true,
): { port: T; pause: PausePoint } {
  const { reached, release, reach, released } = gate();
  let armed = true;
  const port = new Proxy(target, {
    get(object, name) {
      const value = Reflect.get(object, name, object);
      if (typeof value !== 'function') return value;
      if (name !== method) return value.bind(object);
      return async (...args: unknown[]) => {
        if (armed && when(...args)) {
          armed = false;
          reach();
          await released;
        }
        return value.apply(object, args);
      };
    },
  });
  return { port, pause: { reached, release } };
}
