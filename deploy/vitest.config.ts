import { defineConfig } from 'vitest/config';

// The CDK app's own tests (root vitest resolves from the repository: run from deploy/).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
