import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { displayPrefix, generateApiKey, hashApiKey, secretsEqual } from '../src/auth/keys.js'

describe('API keys', () => {
  it('are ck_ plus 32 random bytes in lowercase base32', () => {
    const key = generateApiKey()
    assert.match(key, /^ck_[a-z2-7]{52}$/)
    assert.notEqual(generateApiKey(), key)
  })

  it('hash to SHA-256 hex and show a short prefix', () => {
    const key = generateApiKey()
    assert.match(hashApiKey(key), /^[0-9a-f]{64}$/)
    assert.equal(hashApiKey(key), hashApiKey(key))
    assert.equal(displayPrefix(key), key.slice(0, 11))
  })

  it('compare secrets of any length', () => {
    assert.ok(secretsEqual('abc', 'abc'))
    assert.ok(!secretsEqual('abc', 'abcd'))
    assert.ok(!secretsEqual('', 'x'))
  })
})
