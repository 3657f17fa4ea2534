/** Upper bound on pages per listing, so a service that keeps answering the same token cannot loop us. */
const MAX_PAGES = 1000;

/** Follows `nextToken` until the listing ends; `fetchPage` sends one request. */
export async function collectPages<T>(
  fetchPage: (
    nextToken: string | undefined,
  ) => Promise<{ items: T[] | undefined; nextToken: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchPage(token);
    items.push(...(result.items ?? []));
    token = result.nextToken;
    if (!token || seen.has(token)) break;
    seen.add(token);
  }
  return items;
}
