// One pager for every paginated read. The SDK's own `paginate*` helpers refuse anything that is
// not a real client instance; the project sends through plain `send` objects (mocked, simulated,
// instrumented), so it follows the tokens itself, here and nowhere else.

/** Upper bound on pages per listing, so a service that keeps inventing tokens cannot loop us. */
export const MAX_PAGES = 1000;

/** The fields of `T` that can carry a pagination token (`nextToken`, `NextToken`). */
export type TokenField<T> = {
  [K in keyof T]-?: K extends `${string}oken` ? (NonNullable<T[K]> extends string ? K : never) : never;
}[keyof T] &
  string;

/** Where a listing's token goes in the request and comes back in the answer. */
export interface TokenFields<Input, Output> {
  input: TokenField<Input>;
  output: TokenField<Output>;
}

/** DRS spells its token `nextToken` both ways. */
export const DRS_TOKENS = { input: 'nextToken', output: 'nextToken' } as const;
/** EC2 spells it `NextToken`. */
export const EC2_TOKENS = { input: 'NextToken', output: 'NextToken' } as const;

export interface PaginateOptions<Item> {
  /** Default `MAX_PAGES`. */
  maxPages?: number;
  /** Stop after the page that makes this true (the items so far): the next page is never asked for. */
  stopWhen?: (items: readonly Item[]) => boolean;
  /** What a failed request throws instead of its own error (e.g. one that names the read). */
  mapError?: (error: unknown) => unknown;
}

/**
 * Every item of one listing, in order. `send` sends one request, e.g.
 * `(input: DescribeJobsCommandInput) => drs.send(new DescribeJobsCommand(input))` (its parameter
 * type says which listing this is); every request is `input` with the token field added last
 * (undefined on the first page). `itemsOf` picks a page's items (absent counts as none).
 *
 * The listing ends when an answer has no token, when it repeats a token already followed (a
 * token loop), after `maxPages` pages, or when `stopWhen` says so; an answer that is missing
 * altogether counts as an empty last page. A failed request ends it with the request's error
 * (through `mapError` when given).
 *
 * One `await` per page and nothing else asynchronous: the interleaving of a run's concurrent
 * requests (recorded in the golden event streams) depends on it.
 */
export async function collectItems<Input extends object, Output extends object, Item>(
  send: (input: Input) => Promise<Output | undefined>,
  input: NoInfer<Input>,
  tokens: NoInfer<TokenFields<Input, Output>>,
  itemsOf: (page: Output) => readonly Item[] | undefined,
  options: PaginateOptions<NoInfer<Item>> = {},
): Promise<Item[]> {
  const maxPages = options.maxPages ?? MAX_PAGES;
  const items: Item[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    let out: Output | undefined;
    try {
      out = await send({ ...input, [tokens.input]: token });
    } catch (error) {
      throw options.mapError ? options.mapError(error) : error;
    }
    if (out === undefined || out === null) break;
    items.push(...(itemsOf(out) ?? []));
    if (options.stopWhen?.(items)) break;
    const next: unknown = out[tokens.output];
    token = typeof next === 'string' ? next : undefined;
    if (!token || seen.has(token)) break;
    seen.add(token);
  }
  return items;
}
