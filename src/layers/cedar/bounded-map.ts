// A Map that forgets its oldest entries (insertion order) beyond a size limit. The engine's
// memos only save work, so forgetting is always safe; the bound keeps a 10,000-service
// compile, where nearly every request is asked once, from holding ~25 MB of keys.

export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>()

  constructor(readonly limit: number) {}

  get size(): number {
    return this.map.size
  }

  get(key: K): V | undefined {
    return this.map.get(key)
  }

  has(key: K): boolean {
    return this.map.has(key)
  }

  set(key: K, value: V): void {
    if (!this.map.has(key) && this.map.size >= this.limit) this.map.delete(this.map.keys().next().value as K)
    this.map.set(key, value)
  }
}
