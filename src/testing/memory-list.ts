/** Keeps at least this many spare slots before the head after a rebuild, so LPUSH is amortised O(1). */
const MIN_HEADROOM = 16;

/**
 * A Redis list in memory: a double-ended queue over one array with a moving head, so pops from either
 * end and pushes to either end cost O(1) amortised per element (an array's `splice(0, n)` moves every
 * remaining element, which made draining a long list quadratic).
 */
export class MemoryList {
  private items: string[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** RPUSH: each value to the tail, in order. */
  pushRight(values: readonly string[]): void {
    for (const value of values) this.items.push(value);
  }

  /** LPUSH: each value to the head in turn (`LPUSH k a b c` leaves `c` first). */
  pushLeft(values: readonly string[]): void {
    if (this.head < values.length) this.rebuild(values.length);
    for (const value of values) this.items[--this.head] = value;
  }

  /** LPOP count: up to `count` elements from the head, head first. */
  popLeft(count: number): string[] {
    const end = Math.min(this.head + count, this.items.length);
    const out = this.items.slice(this.head, end);
    this.head = end;
    this.compact();
    return out;
  }

  /** RPOP count: up to `count` elements from the tail, tail first. */
  popRight(count: number): string[] {
    const start = Math.max(this.head, this.items.length - count);
    const out = this.items.splice(start).reverse();
    this.compact();
    return out;
  }

  /** LREM key 1 value: removes the first occurrence from the head; false when absent. */
  removeFirst(value: string): boolean {
    const index = this.items.indexOf(value, this.head);
    if (index < 0) return false;
    this.items.splice(index, 1);
    this.compact();
    return true;
  }

  /** LREM key -1 value: removes the last occurrence (nearest the tail); false when absent. */
  removeLast(value: string): boolean {
    const index = this.items.lastIndexOf(value);
    if (index < this.head) return false;
    this.items.splice(index, 1);
    this.compact();
    return true;
  }

  /** LRANGE 0 -1. */
  toArray(): string[] {
    return this.items.slice(this.head);
  }

  /** Moves the elements to a new array with room for `needed` more before the head. */
  private rebuild(needed: number): void {
    const headroom = Math.max(needed, MIN_HEADROOM, this.length);
    const items = new Array<string>(headroom).fill('');
    for (let i = this.head; i < this.items.length; i++) items.push(this.items[i] ?? '');
    this.items = items;
    this.head = headroom;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head > this.items.length / 2) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
