#!/usr/bin/env node
// The installed command: registers tsx's ESM loader so the TypeScript sources run as they are,
// then hands over to the CLI entry point (the only place that exits the process).
import { register } from 'tsx/esm/api';

// Newer AWS SDK clients warn about Node 20 on every start; that is noise for an operator.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { runAsProcess } = await import('../src/cli/main.ts');
await runAsProcess();
