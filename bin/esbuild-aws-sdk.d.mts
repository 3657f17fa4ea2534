import type { Plugin } from 'esbuild';

/** Bundles the AWS SDK's EC2 client from its ES modules build (bin/esbuild-aws-sdk.mjs). */
export declare function bundleAwsSdkClients(): Plugin;
