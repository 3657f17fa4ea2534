// An esbuild plugin for the bundles this project builds (the command in dist/cli, the benchmark's
// child): it bundles the AWS SDK's EC2 client from its ES modules build, so esbuild keeps only
// the few commands and types the code imports. The EC2 client's CommonJS build is one 3 MB module
// with every EC2 operation: loading it took about 60 MB of resident memory and 300 ms, more than
// all other modules of a dry run together (docs/performance.md, "Memory: what the peak is made
// of"). The other clients are small and stay external.
//
// The bundled EC2 code imports its own dependencies (@smithy/*, @aws-sdk/core, ...) through a
// `require` anchored at the installed @aws-sdk/client-ec2, so they resolve exactly as the client's
// own CommonJS build resolves them, wherever npm placed them.
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

const BUNDLED = ['@aws-sdk/client-ec2'];
const DEPENDENCY = 'aws-sdk-client-dependency';
const HELPER = 'aws-sdk-client-require';

/** @returns {import('esbuild').Plugin} */
export function bundleAwsSdkClients() {
  const require = createRequire(import.meta.url);
  const roots = new Map(BUNDLED.map((name) => [name, dirname(require.resolve(`${name}/package.json`))]));
  const clientOf = (file) => {
    for (const [name, root] of roots) if (file.startsWith(`${root}${sep}`)) return name;
    return undefined;
  };
  return {
    name: 'bundle-aws-sdk-clients',
    setup(build) {
      const names = BUNDLED.map((name) => name.replace(/[/-]/g, '\\$&')).join('|');
      build.onResolve({ filter: new RegExp(`^(${names})$`) }, (args) => {
        const root = roots.get(args.path);
        return root ? { path: join(root, 'dist-es', 'index.js') } : undefined;
      });
      // A bare import from inside a bundled client: its own dependency, required at run time.
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.namespace === DEPENDENCY || args.path.startsWith('node:')) return undefined;
        const client = clientOf(args.importer);
        if (!client || args.path === HELPER) return undefined;
        return { path: args.path, namespace: DEPENDENCY, pluginData: { client } };
      });
      build.onResolve({ filter: new RegExp(`^${HELPER}$`) }, () => ({ path: HELPER, namespace: HELPER }));
      build.onLoad({ filter: /.*/, namespace: HELPER }, () => ({
        contents: [
          "import { createRequire } from 'node:module';",
          '/** A require that resolves from inside the installed client package. */',
          'export const requireFrom = (client) => createRequire(createRequire(import.meta.url).resolve(client));',
        ].join('\n'),
        loader: 'js',
      }));
      build.onLoad({ filter: /.*/, namespace: DEPENDENCY }, (args) => ({
        contents: `const { requireFrom } = require(${JSON.stringify(HELPER)});\nmodule.exports = requireFrom(${JSON.stringify(args.pluginData.client)})(${JSON.stringify(args.path)});\n`,
        loader: 'js',
        resolveDir: roots.get(args.pluginData.client),
      }));
    },
  };
}
