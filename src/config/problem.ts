// What is wrong in a configuration file, said so that a person can fix it without
// reading our code: where (file, line, path) and what was found versus what is allowed.

export interface Problem {
  /** The file name as the user gave it, so the message points where they look. */
  file: string;
  /** 1-based line of the offending key or value, when the file has one. */
  line?: number;
  /** Where in the data, e.g. `waves[1].servers[0].sourceServerID`; empty for the whole file. */
  path: string;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `['waves', 1, 'servers', 0, 'sourceServerID']` -> `waves[1].servers[0].sourceServerID`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** `plan.yaml:14 waves[1].servers[0].sourceServerID: "s-123" does not match ...` */
export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** Thrown when a configuration file cannot be used; carries every problem found, not only the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}
