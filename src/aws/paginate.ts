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

export interface PaginateOptions {
  /** Default `MAX_PAGES`. */
  maxPages?: number;
}

/**
 * The pages of one listing, fetched one at a time as the caller asks for them (breaking out of
 * the loop sends nothing more). `send` sends one request, e.g.
 * `(input: DescribeJobsCommandInput) => drs.send(new DescribeJobsCommand(input))` (its parameter
 * type says which listing this is); every request is `input` with the token
 * field set (undefined on the first page). The listing ends when an answer has no token, when it
 * repeats a token already followed (a token loop) or after `maxPages` pages; an answer that is
 * missing altogether counts as an empty last page. Errors of `send` propagate unchanged.
 */
export async function* paginate<Input extends object, Output extends object>(
  send: (input: Input) => Promise<Output | undefined>,
  input: NoInfer<Input>,
  tokens: NoInfer<TokenFields<Input, Output>>,
  options: PaginateOptions = {},
): AsyncGenerator<Output, void, undefined> {
  const maxPages = options.maxPages ?? MAX_PAGES;
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await send({ ...input, [tokens.input]: token });
    if (out === undefined || out === null) return;
    yield out;
    const next: unknown = out[tokens.output];
    token = typeof next === 'string' ? next : undefined;
    if (!token || seen.has(token)) return;
    seen.add(token);
  }
}

/** Every item of every page, in order; `itemsOf` picks a page's items (absent counts as none). */
export async function collectItems<Page, Item>(
  pages: AsyncIterable<Page>,
  itemsOf: (page: Page) => readonly Item[] | undefined,
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of pages) items.push(...(itemsOf(page) ?? []));
  return items;
}
