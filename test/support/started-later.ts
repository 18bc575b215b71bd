/**
 * A stand-in for something a `beforeAll` starts: a suite takes it when its tests are
 * collected, before the hook has run, and its tests use it as the thing itself.
 */
export function startedLater<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_, name) {
      const started = current();
      if (!started) throw new Error(`${what} is not started yet`);
      const member = Reflect.get(started, name);
      return typeof member === 'function' ? member.bind(started) : member;
    },
  });
}
