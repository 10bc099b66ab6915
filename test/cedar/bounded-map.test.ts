import {describe, expect, it} from 'vitest'
import {BoundedMap} from '../../src/layers/cedar/bounded-map.js'

describe('BoundedMap', () => {
  it('forgets the oldest entries beyond its limit, never a re-set one twice', () => {
    const m = new BoundedMap<string, number>(2)
    m.set('a', 1)
    m.set('b', 2)
    m.set('a', 3) // an update, not a new entry: nothing is forgotten
    expect([m.get('a'), m.get('b'), m.size]).toEqual([3, 2, 2])
    m.set('c', 4)
    expect([m.has('a'), m.get('b'), m.get('c'), m.size]).toEqual([false, 2, 4, 2])
  })
})
