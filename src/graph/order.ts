// Edge order (LATTICE-SPEC §10.7). A callee lists its inbound edges in its own declaration
// order (principals, ingress rules); a caller lists its outbound edges in *its* order (DNS
// names, egress rules). One `order` number must serve both views, so edges get the first
// linear extension of both chains by priority; when the two declaration orders contradict
// each other (a cycle), the callee's order wins. Verdicts never depend on this order.

/**
 * Returns the permutation of `items` (given in callee-priority order, so that each callee's
 * items are contiguous and in its order) that also keeps each caller's items in the order
 * given by `callerRank` whenever that is consistent.
 */
export function linearize<T>(items: T[], calleeOf: (t: T) => string, callerOf: (t: T) => string, callerRank: (a: T, b: T) => number): T[] {
  const n = items.length
  // Every item has at most two successors: the next item of its callee and the next of its caller.
  const nextOfCallee = new Int32Array(n).fill(-1)
  const nextOfCaller = new Int32Array(n).fill(-1)
  const preds = new Int32Array(n)
  let previousCallee = n > 0 ? calleeOf(items[0]) : ''
  for (let i = 1; i < n; i++) {
    const callee = calleeOf(items[i])
    if (callee === previousCallee) {
      nextOfCallee[i - 1] = i
      preds[i]++
    }
    previousCallee = callee
  }
  const byCaller = new Map<string, number[]>()
  items.forEach((t, i) => {
    const k = callerOf(t)
    const list = byCaller.get(k)
    if (list) list.push(i)
    else byCaller.set(k, [i])
  })
  for (const list of byCaller.values()) {
    if (list.length > 1) list.sort((a, b) => callerRank(items[a], items[b]) || a - b)
    for (let i = 1; i < list.length; i++) {
      nextOfCaller[list[i - 1]] = list[i]
      preds[list[i]]++
    }
  }
  const done = new Uint8Array(n)
  const ready = new MinHeap()
  for (let i = 0; i < n; i++) if (preds[i] === 0) ready.push(i)
  const out: T[] = []
  let lowest = 0 // every index below is done
  const release = (s: number) => {
    if (s !== -1 && --preds[s] === 0 && !done[s]) ready.push(s)
  }
  while (out.length < n) {
    let i = ready.pop()
    while (i !== undefined && done[i]) i = ready.pop()
    if (i === undefined) {
      // Cycle: take the highest-priority item left; its callee predecessors are all done
      // (they have lower indices), so only a caller-order constraint is broken.
      while (done[lowest]) lowest++
      i = lowest
    }
    done[i] = 1
    out.push(items[i])
    release(nextOfCallee[i])
    release(nextOfCaller[i])
  }
  return out
}

class MinHeap {
  private readonly a: number[] = []
  push(v: number): void {
    const a = this.a
    a.push(v)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (a[p] <= a[i]) break
      ;[a[p], a[i]] = [a[i], a[p]]
      i = p
    }
  }
  pop(): number | undefined {
    const a = this.a
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop()!
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && a[l] < a[m]) m = l
        if (r < a.length && a[r] < a[m]) m = r
        if (m === i) break
        ;[a[m], a[i]] = [a[i], a[m]]
        i = m
      }
    }
    return top
  }
}
