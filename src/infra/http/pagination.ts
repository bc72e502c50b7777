/**
 * Keyset pagination: a repository is asked for `limit + 1` rows after the cursor; the extra row only says whether
 * another page exists, and the last row shown becomes the next cursor.
 */
export function keysetPage<R>(
  rows: R[],
  limit: number,
  cursorOf: (row: R) => string,
): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
