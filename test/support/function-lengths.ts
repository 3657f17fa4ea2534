// Measures every function in TypeScript source without a parser: a small scanner skips
// strings, template literals, comments and regular expressions, matches braces, and calls a
// brace a function body when the text before it is a function's head (`function f(...)`,
// `(...) =>`, a method `name(...)`). A function's length runs from its head's first line to its
// closing brace. Good enough for the project's own code, whose style is uniform.
//   npx tsx test/support/function-lengths.ts src machines   (prints the longest)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface FunctionLength {
  file: string;
  /** 1-based line of the function's head. */
  line: number;
  lines: number;
  head: string;
}

const CONTROL = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'else', 'do', 'try']);
const METHOD =
  /^(?:(?:static|async|get|set|public|private|protected|readonly|override)\s+)*\*?\s*([#\w$]+)\s*(?:<[^()]*>)?\s*\([\s\S]*\)\s*(?::[\s\S]*)?$/;

function isFunctionHead(head: string): boolean {
  const h = head.trim();
  if (h.endsWith('=>')) return true;
  if (/\bfunction\b[\s\S]*\)[^)]*$/.test(h)) return true;
  const method = METHOD.exec(h);
  return method !== null && !CONTROL.has(method[1] ?? '') && !/[=:?]\s*$/.test(h.split('(')[0] ?? '');
}

/** A regular expression may start here (after an operator or keyword, not after a value). */
function regexMayStart(before: string): boolean {
  const t = before.trimEnd();
  if (t === '') return true;
  const last = t[t.length - 1] ?? '';
  if ('(,=:[!&|?{};+-*%<>~^'.includes(last)) return true;
  return /\b(?:return|typeof|case|do|else|in|of|void|yield|await)$/.test(t);
}

export function functionLengths(text: string, file = ''): FunctionLength[] {
  const out: FunctionLength[] = [];
  const lineAt: number[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    lineAt.push(line);
    if (text[i] === '\n') line++;
  }
  lineAt.push(line);
  // Open braces: where their head starts, whether a function, or a template's `${`.
  const stack: { headStart: number; fn: boolean; template: boolean }[] = [];
  let headStart = 0;
  let i = 0;
  const skipString = (quote: string) => {
    i++;
    while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
    i++;
  };
  // Returns true when the template continues into a `${`.
  const skipTemplate = (): boolean => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        return false;
      } else if (c === '$' && text[i + 1] === '{') {
        i += 2;
        return true;
      } else i++;
    }
    return false;
  };
  while (i < text.length) {
    const c = text[i] ?? '';
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      i = text.indexOf('*/', i + 2);
      i = i < 0 ? text.length : i + 2;
    } else if (c === '/' && regexMayStart(text.slice(Math.max(0, i - 20), i))) {
      i++;
      let inClass = false;
      while (i < text.length && (text[i] !== '/' || inClass) && text[i] !== '\n') {
        if (text[i] === '\\') i++;
        else if (text[i] === '[') inClass = true;
        else if (text[i] === ']') inClass = false;
        i++;
      }
      i++;
    } else if (c === "'" || c === '"') {
      skipString(c);
    } else if (c === '`') {
      i++;
      if (skipTemplate()) stack.push({ headStart: i, fn: false, template: true });
    } else if (c === '{') {
      stack.push({ headStart, fn: isFunctionHead(stripHead(text.slice(headStart, i))), template: false });
      i++;
      headStart = i;
    } else if (c === '}') {
      const open = stack.pop();
      i++;
      if (open?.template) {
        if (skipTemplate()) stack.push({ headStart: i, fn: false, template: true });
      } else if (open?.fn) {
        const start = firstCodeIndex(text, open.headStart);
        out.push({
          file,
          line: lineAt[start] ?? 0,
          lines: (lineAt[i - 1] ?? 0) - (lineAt[start] ?? 0) + 1,
          head: text.slice(start, text.indexOf('\n', start)).trim(),
        });
      }
      headStart = i;
    } else if (c === ';') {
      i++;
      headStart = i;
    } else i++;
  }
  return out;
}

/** The head of a brace without what only separates it from the previous statement or member. */
function stripHead(head: string): string {
  return head
    .replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '')
    .replace(/^[\s,)]*/, '')
    .replace(/^(?:export\s+)?(?:default\s+)?/, '');
}

function firstCodeIndex(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /[\s,)]/.test(text[i] ?? '')) i++;
    if (text.startsWith('//', i)) i = text.indexOf('\n', i);
    else if (text.startsWith('/*', i)) i = text.indexOf('*/', i) + 2;
    else return i;
  }
}

/** Every function of the .ts files under `dirs`, longest first. */
export function functionLengthsUnder(root: string, dirs: readonly string[]): FunctionLength[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(path);
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return files
    .flatMap((path) => functionLengths(readFileSync(path, 'utf8'), relative(root, path)))
    .sort((a, b) => b.lines - a.lines);
}

/** The scanner, and the name a function's head gives it (`function a(`, `const b = (`, `m(`). */
export const functionLength = {
  of: functionLengths,
  nameOf(head: string): string {
    const declared =
      /\bfunction\s*\*?\s*([\w$]+)/.exec(head) ?? /(?:const|let|var)\s+([\w$]+)\s*=/.exec(head);
    if (declared?.[1]) return declared[1];
    return (
      /^(?:(?:static|async|get|set|public|private|protected|readonly|override)\s+)*([#\w$]+)/.exec(
        head,
      )?.[1] ?? head
    );
  },
};

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const dirs = process.argv.slice(2);
  for (const f of functionLengthsUnder(process.cwd(), dirs.length > 0 ? dirs : ['src']).slice(0, 15)) {
    process.stdout.write(`${String(f.lines).padStart(5)}  ${f.file}:${f.line}  ${f.head}\n`);
  }
}
