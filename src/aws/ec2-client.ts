// The EC2 client alone, for a lazy `import()`: a dynamic import of '@aws-sdk/client-ec2' itself
// gives the bundler the whole package's namespace to keep (every EC2 operation, 3 MB), while this
// module's namespace holds one class (bin/esbuild-aws-sdk.mjs).
export { EC2Client } from '@aws-sdk/client-ec2';
