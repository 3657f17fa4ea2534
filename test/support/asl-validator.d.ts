// asl-validator 4.0.0 ships no type declarations.
declare module 'asl-validator' {
  interface AslValidatorOptions {
    checkPaths?: boolean;
    checkArn?: boolean;
  }
  /** Validates a definition; it adds default `QueryLanguage` fields to the object it is given. */
  export default function aslValidator(
    definition: unknown,
    options?: AslValidatorOptions,
  ): { isValid: boolean; errors: { message?: string }[] };
}
