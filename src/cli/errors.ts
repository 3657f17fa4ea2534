// Errors the command line raises itself. The entry point maps every error to an exit code;
// commands only throw or return.

/** Bad arguments or input: nothing was changed (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command exists in the contract but arrives in a later version (exit 2). */
export class NotAvailableError extends Error {
  override readonly name = 'NotAvailableError';
  constructor(readonly command: string) {
    super(`${command}: not available yet in this version`);
  }
}

/** No credentials or no region for the real AWS: one sentence, no stack trace (exit 2). */
export class AwsSetupError extends Error {
  override readonly name = 'AwsSetupError';
}
