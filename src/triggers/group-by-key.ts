/**
 * Items grouped by their `key` (a list or stream key), groups in order of first appearance and each in the
 * items' order; `pick` chooses what a group holds (the items themselves by default).
 */
export function groupByKey<T extends { readonly key: string }, V = T>(
  items: readonly T[],
  pick: (item: T) => V = (item) => item as unknown as V,
): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const item of items) {
    const group = groups.get(item.key);
    if (group) group.push(pick(item));
    else groups.set(item.key, [pick(item)]);
  }
  return groups;
}
