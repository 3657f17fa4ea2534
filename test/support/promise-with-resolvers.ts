// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers (Node 22); Node 20 lacks it.
// Test setup only: the library and CLI never load this.
const withResolvers = <T>() => {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const PromiseWithResolvers = Promise as unknown as { withResolvers?: typeof withResolvers };
PromiseWithResolvers.withResolvers ??= withResolvers;
