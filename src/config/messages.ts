// Zod's default messages name types ("expected string, received number"); ours say what
// the file holds and what would be accepted instead, in the file's own vocabulary.
import { z } from 'zod';

/** A value as the user would recognise it in their file: strings quoted, containers named. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

const FORMAT_NAMES: Record<string, string> = {
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  url: 'a URL',
  email: 'an email address',
  uuid: 'a UUID',
  datetime: 'an ISO-8601 date and time',
};

function expectedName(expected: string): string {
  return EXPECTED_NAMES[expected] ?? `a ${expected}`;
}

function countOf(count: number | bigint, noun: string): string {
  return `${count} ${noun}${count === 1 || count === 1n ? '' : 's'}`;
}

/**
 * Error map for `schema.safeParse(data, { error: describeIssue })`. Messages a schema sets
 * itself take precedence. For unknown keys it returns only the allowed keys: zod reports all
 * unknown keys of a mapping in one issue, and `toProblems` splits it into one problem per key.
 */
export const describeIssue: z.core.$ZodErrorMap = (issue) => {
  const found = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `missing; expected ${expectedName(issue.expected)}`
        : `found ${found}; expected ${expectedName(issue.expected)}`;
    case 'invalid_value': {
      const allowed = issue.values.map((value) => String(value));
      return allowed.length === 1
        ? `${found} is not allowed; must be ${allowed[0]}`
        : `${found} is not one of: ${allowed.join(', ')}`;
    }
    case 'unrecognized_keys': {
      const inst = issue.inst;
      return inst instanceof z.core.$ZodObject
        ? `allowed: ${Object.keys(inst._zod.def.shape).join(', ')}`
        : '';
    }
    case 'too_small':
      if (issue.origin === 'string') {
        return issue.minimum === 1
          ? 'must not be empty'
          : `${found} is shorter than ${issue.minimum} characters`;
      }
      if (issue.origin === 'array' && Array.isArray(issue.input)) {
        const has = issue.input.length === 0 ? 'is empty' : `has ${countOf(issue.input.length, 'item')}`;
        return `${has}; at least ${countOf(issue.minimum, 'item')} required`;
      }
      return `${found} is too small; must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `${found} is longer than ${issue.maximum} characters`;
      if (issue.origin === 'array' && Array.isArray(issue.input)) {
        return `has ${countOf(issue.input.length, 'item')}; at most ${issue.maximum} allowed`;
      }
      return `${found} is too large; must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_format':
      if (issue.format === 'regex' && issue.pattern !== undefined)
        return `${found} does not match ${issue.pattern}`;
      return `${found} is not ${FORMAT_NAMES[issue.format] ?? `a valid ${issue.format}`}`;
    case 'not_multiple_of':
      return `${found} is not a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return `${found} matches none of the allowed forms`;
    default:
      return undefined;
  }
};

/**
 * A string that must match `pattern`, with the rule said in words:
 * `matching(/^s-[0-9a-zA-Z]{17}$/, 's- followed by 17 letters or digits')`.
 */
export function matching(pattern: RegExp, description: string) {
  return z
    .string()
    .regex(pattern, { error: (issue) => `${describeValue(issue.input)} does not match ${description}` });
}
