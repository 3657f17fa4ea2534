import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// The CDK app in deploy/ has its own install (aws-cdk-lib is about 160 MB): its tests run when it
// is installed (CI: npm ci --prefix deploy).
const deployInstalled = existsSync('deploy/node_modules/aws-cdk-lib');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', ...(deployInstalled ? ['deploy/test/**/*.test.ts'] : [])],
    environment: 'node',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    pool: 'forks',
    // aws-sdk-client-mock matchers (toHaveReceivedCommandWith, ...) for every test file.
    setupFiles: ['test/support/aws-matchers.ts'],
    globalSetup: ['test/support/global-setup.ts'],
  },
});
