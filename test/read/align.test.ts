import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { alignByKey, diffJson } from '../../src/observe/align.js'
import { fromScaled, normalizeDecimal, subtractDecimals, sumDecimals, toScaled } from '../../src/observe/decimal.js'

describe('sibling alignment, JSON diff and exact decimals', () => {
  const id = (x: string) => x

  it('aligns around an insertion, a removal and a substitution, in order', () => {
    assert.deepEqual(alignByKey(['plan', 'search', 'answer'], ['plan', 'cache', 'search', 'answer'], id), [[0, 0], [1, 2], [2, 3]])
    assert.deepEqual(alignByKey(['plan', 'cache', 'search', 'answer'], ['plan', 'search', 'answer'], id), [[0, 0], [2, 1], [3, 2]])
    assert.deepEqual(alignByKey(['plan', 'docs', 'answer'], ['plan', 'web', 'answer'], id), [[0, 0], [2, 2]])
    assert.deepEqual(alignByKey([], ['a'], id), [])
    // repeated names pair up in order instead of falling out as ambiguous
    assert.deepEqual(alignByKey(['call', 'call', 'call'], ['call', 'call'], id), [[0, 0], [1, 1]])
    // never crosses: a swap keeps only one of the two
    assert.equal(alignByKey(['a', 'b'], ['b', 'a'], id).length, 1)
  })

  it('lists leaf differences with JSON paths, capped', () => {
    assert.deepEqual(diffJson({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }), [{ path: '$.b.c[1]', baseline: 2, candidate: 3 }])
    assert.deepEqual(diffJson({ x: 1 }, { y: 1 }), [{ path: '$.x', baseline: 1 }, { path: '$.y', candidate: 1 }])
    assert.deepEqual(diffJson({ 'odd key': 1 }, { 'odd key': 2 }), [{ path: '$["odd key"]', baseline: 1, candidate: 2 }])
    assert.deepEqual(diffJson(null, { a: 1 }), [{ path: '$', baseline: null, candidate: { a: 1 } }])
    assert.deepEqual(diffJson({ a: [1, 2] }, { a: [1, 2] }), [])
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]))
    assert.equal(diffJson(many, {}, 20).length, 20)
  })

  it('adds and subtracts costs exactly', () => {
    assert.equal(normalizeDecimal('0.012300000000'), '0.0123')
    assert.equal(sumDecimals(['0.1', '0.2', null]), '0.3')
    assert.equal(subtractDecimals('0.02', '0.0205'), '0.0005')
    assert.equal(subtractDecimals('1', '0.5'), '-0.5')
    assert.equal(fromScaled(toScaled('123456789012.000000000001')), '123456789012.000000000001')
    assert.equal(normalizeDecimal(0.1), '0.1')
  })
})
