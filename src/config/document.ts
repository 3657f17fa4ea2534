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

export function readYamlText(text: string, fileName: string): SourceDocument {
  const lineCounter = new LineCounter();
  // prettyErrors adds a code excerpt to each message; we print one line per problem instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  const problems: Problem[] = doc.errors.map((error) => ({
    file: fileName,
    line: lineAt(error.pos[0]),
    path: '',
    message: `YAML syntax: ${error.message}`,
  }));

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
