// Registers the aws-sdk-client-mock matchers and makes their types visible under TypeScript 7:
// the package augments the `vitest` module, whose `Matchers` is a re-export of @vitest/expect's,
// so the augmentation does not reach `expect(...)`. Augmenting the declaring module does.
import 'aws-sdk-client-mock-vitest/extend';
import type { CustomMatcher } from 'aws-sdk-client-mock-vitest';

declare module '@vitest/expect' {
  // biome-ignore lint/suspicious/noExplicitAny: must repeat the merged declaration's type parameter exactly
  interface Matchers<T = any> extends CustomMatcher<T> {}
}
