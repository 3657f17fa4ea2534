import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    pool: 'forks',
    // aws-sdk-client-mock matchers (toHaveReceivedCommandWith, ...) for every test file.
    setupFiles: ['test/support/aws-matchers.ts'],
    globalSetup: ['test/support/global-setup.ts'],
  },
});
