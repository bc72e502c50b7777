/**
 * A small in-process cache whose entries expire after `ttlMs`: for data the send path reads on every message but that
 * changes rarely (an account's decrypted settings, a channel's CXone id). Concurrent misses for one key share a load.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { value: Promise<V>; at: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && Date.now() - entry.at < this.ttlMs) return entry.value;
    const value = load();
    this.entries.set(key, { value, at: Date.now() });
    value.catch(() => this.entries.delete(key)); // a failed load is not cached
    return value;
  }

  clear(): void {
    this.entries.clear();
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
