// Generic loading of a YAML/JSON configuration file against a zod schema. Used for plan
// files and for the scenarios of the simulated AWS, so both report problems alike.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { readYamlText, type SourceDocument } from './document.js';
import { describeIssue } from './messages.js';
import { ConfigError, formatPath, type Problem } from './problem.js';

/** Parses and validates `text`; throws `ConfigError` with every problem found. */
export function parseConfigText<Schema extends z.ZodType>(
  text: string,
  fileName: string,
  schema: Schema,
): z.output<Schema> {
  const source = readYamlText(text, fileName);
  // Validating data from a broken document would only add noise to the syntax errors.
  if (source.problems.length > 0) throw new ConfigError(source.problems);
  const result = schema.safeParse(source.data, { error: describeIssue });
  if (!result.success) throw new ConfigError(toProblems(result.error.issues, source, fileName));
  return result.data;
}

/**
 * Validates data already in memory (a plain JSON value: what a file would hold) as
 * `parseConfigText` validates a file's text, its problems without line numbers. No text
 * round trip: a YAML document of a 10,000-server scenario was the largest thing a dry run's
 * set-up held (docs/performance.md).
 */
export function parseConfigData<Schema extends z.ZodType>(
  data: unknown,
  fileName: string,
  schema: Schema,
): z.output<Schema> {
  // As a file would hold it: Dates as strings, no undefined values.
  const json: unknown = data === undefined ? null : JSON.parse(JSON.stringify(data));
  const result = schema.safeParse(json, { error: describeIssue });
  if (!result.success)
    throw new ConfigError(toProblems(result.error.issues, { lineOf: () => undefined }, fileName));
  return result.data;
}

/** Reads `path` and validates it; an unreadable file is a `ConfigError` too. */
export async function loadConfigFile<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
): Promise<z.output<Schema>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : `cannot read file: ${(error as Error).message}`;
    throw new ConfigError([{ file: path, path: '', message }]);
  }
  return parseConfigText(text, path, schema);
}

/** One problem per zod issue (per unknown key), in file order so the output reads top to bottom. */
export function toProblems(
  issues: readonly z.core.$ZodIssue[],
  source: Pick<SourceDocument, 'lineOf'>,
  fileName: string,
): Problem[] {
  const problems: Problem[] = [];
  const add = (path: readonly PropertyKey[], message: string) => {
    const line = source.lineOf(path);
    problems.push({
      file: fileName,
      ...(line === undefined ? {} : { line }),
      path: formatPath(path),
      message,
    });
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        add(
          [...issue.path, key],
          issue.message ? `unknown key "${key}"; ${issue.message}` : `unknown key "${key}"`,
        );
      }
    } else {
      add(issue.path, issue.message);
    }
  }
  // Stable sort: problems on the same line keep zod's order (field checks before cross-field checks).
  return problems.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}
