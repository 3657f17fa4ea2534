// YAML (and JSON, which is YAML) text as plain data, plus the way back from a data path
// to a line, so that validation problems found on the data can point into the file.
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Problem } from './problem.js';

export interface SourceDocument {
  /** The parsed data; meaningless when `problems` is not empty. */
  data: unknown;
  /** YAML syntax problems. */
  problems: Problem[];
  /** Line of the key (or list item) at `path`; of its nearest existing ancestor when it is missing. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * Offset of the outermost `{` or `[` still open at `end`, outside quotes and comments;
 * undefined when every flow collection before `end` is closed.
 */
export function unclosedFlowBefore(text: string, end: number): number | undefined {
  const open: number[] = [];
  let quote: '"' | "'" | null = null;
  let comment = false;
  for (let i = 0; i < end && i < text.length; i++) {
    const c = text[i];
    if (comment) {
      if (c === '\n') comment = false;
      continue;
    }
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") {
      // A quote starts a quoted scalar only at the start of a value, not inside a plain word.
      const before = i > 0 ? text[i - 1] : ' ';
      if (before === undefined || /[\s,[{:]/.test(before)) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ' '))) comment = true;
    else if (c === '{' || c === '[') open.push(i);
    else if ((c === '}' || c === ']') && open.length > 0) open.pop();
  }
  return open[0];
}

export function readYamlText(text: string, fileName: string): SourceDocument {
  const lineCounter = new LineCounter();
  // prettyErrors adds a code excerpt to each message; we print one line per problem instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  // The parser notices an unclosed `{` or `[` only where the text stops making sense, often
  // lines later: point at the line where the broken construct begins instead.
  const problems: Problem[] = doc.errors.map((error) => {
    const open = unclosedFlowBefore(text, error.pos[0]);
    return {
      file: fileName,
      line: lineAt(open ?? error.pos[0]),
      path: '',
      message:
        open !== undefined
          ? `YAML syntax: the "${text[open]}" opened on this line is not closed (${error.message})`
          : `YAML syntax: ${error.message}`,
    };
  });

  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);

  function lineOf(path: readonly PropertyKey[]): number | undefined {
    const root = doc.contents;
    if (root === null) return undefined;
    let line = lineAt(rangeStart(root));
    let node: unknown = root;
    for (const segment of path) {
      node = resolve(node);
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair === undefined || !isNode(pair.key)) break;
        line = lineAt(rangeStart(pair.key));
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (!isNode(item)) break;
        line = lineAt(rangeStart(item));
        node = item;
      } else {
        break;
      }
    }
    return line;
  }

  let data: unknown;
  if (problems.length === 0) {
    try {
      data = doc.toJS();
    } catch (error) {
      // toJS refuses documents that expand aliases without bound ("billion laughs").
      problems.push({ file: fileName, path: '', message: `YAML: ${(error as Error).message}` });
    }
  }
  return { data, problems, lineOf };
}

function rangeStart(node: Node): number {
  return node.range?.[0] ?? 0;
}
