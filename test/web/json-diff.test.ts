import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { childPath, diffJson, isUnder, jsonLines } from '../../server/web/src/json-diff.js'

describe('json diff for compare', () => {
  it('finds nothing between equal values, whatever the key order', () => {
    assert.deepEqual(diffJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }), { paths: [], truncated: false })
    assert.deepEqual(diffJson(null, null).paths, [])
    assert.deepEqual(diffJson('v1', 'v1').paths, [])
  })

  it('names each differing leaf, a key on one side only, and an extra array element', () => {
    const a = { q: 'v1', opts: { k: 3, deep: { x: true } }, list: [1, 2], gone: 1 }
    const b = { q: 'v2', opts: { k: 3, deep: { x: false } }, list: [1, 2, 3], added: null }
    assert.deepEqual(diffJson(a, b).paths, ['$.q', '$.opts.deep.x', '$.list[2]', '$.gone', '$.added'])
  })

  it('treats a change of type as a difference at that path, not below it', () => {
    assert.deepEqual(diffJson({ a: { b: 1 } }, { a: [1] }).paths, ['$.a'])
    assert.deepEqual(diffJson({ a: 1 }, { a: '1' }).paths, ['$.a'])
    assert.deepEqual(diffJson({ a: null }, { a: {} }).paths, ['$.a'])
    assert.deepEqual(diffJson(1, { a: 1 }).paths, ['$'])
    assert.deepEqual(diffJson(undefined, { a: 1 }).paths, ['$'])
  })

  it('quotes keys that are not identifiers, and tells a prefix from a parent', () => {
    assert.equal(childPath('$', 'a b'), '$["a b"]')
    assert.equal(childPath('$', '__proto__'), '$.__proto__')
    assert.equal(childPath('$.x', 2), '$.x[2]')
    assert.deepEqual(diffJson({ 'a.b': 1 }, { 'a.b': 2 }).paths, ['$["a.b"]'])
    assert.equal(isUnder('$.ab', '$.a'), false)
    assert.equal(isUnder('$.a.b', '$.a'), true)
    assert.equal(isUnder('$.a[0]', '$.a'), true)
    assert.equal(isUnder('$.a', '$.a'), true)
  })

  it('stops at the limit and says so', () => {
    const a = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]))
    const b = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, -i - 1]))
    const r = diffJson(a, b, 10)
    assert.equal(r.paths.length, 10)
    assert.equal(r.truncated, true)
  })

  it('prints lines exactly as JSON.stringify(v, null, 2) and marks the changed ones', () => {
    const v = { q: 'v2', opts: { k: 3, deep: { x: false } }, list: [1, 2, 3], empty: {}, none: [] }
    const lines = jsonLines(v, ['$.q', '$.opts.deep'])
    assert.equal(lines.map((l) => '  '.repeat(l.depth) + l.text).join('\n'), JSON.stringify(v, null, 2))
    const changed = lines.filter((l) => l.changed).map((l) => l.text)
    assert.deepEqual(changed, ['"q": "v2",', '"deep": {', '"x": false', '}'])
    assert.equal(lines.find((l) => l.text.startsWith('"k"'))!.changed, false)
    assert.deepEqual(jsonLines('text', ['$']), [{ depth: 0, text: '"text"', path: '$', changed: true }])
  })

  it('caps the number of lines', () => {
    assert.equal(jsonLines(Array.from({ length: 100 }, (_, i) => i), [], 10).length, 10)
  })
})
