import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertProjectVisible, localModeActive, requireOperator, resolveScope, type Principal } from '../src/auth/principal.js'

const A = '11111111-1111-4111-8111-111111111111'
const B = '22222222-2222-4222-8222-222222222222'
const key: Principal = { kind: 'api_key', projectId: A, keyId: 'k' }
const operator: Principal = { kind: 'operator', via: 'admin_token' }

describe('resolveScope', () => {
  it('binds API-key callers to their project', () => {
    assert.equal(resolveScope(key, undefined), A)
    assert.equal(resolveScope(key, A), A)
    assert.equal(resolveScope(key, A.toUpperCase()), A)
  })
  it('refuses a different project for an API key (403) and malformed ids (400)', () => {
    assert.throws(() => resolveScope(key, B), (e: { code: string; httpStatus: number }) => e.code === 'project_scope_mismatch' && e.httpStatus === 403)
    assert.throws(() => resolveScope(key, 'nope'), (e: { code: string; httpStatus: number }) => e.code === 'invalid_project_id' && e.httpStatus === 400)
    assert.throws(() => resolveScope(key, ''), (e: { code: string }) => e.code === 'missing_project_id')
  })
  it('lets operators select a project or stay unbounded', () => {
    assert.equal(resolveScope(operator, undefined), undefined)
    assert.equal(resolveScope(operator, B), B)
    assert.throws(() => resolveScope(operator, undefined, { required: true }), (e: { code: string }) => e.code === 'missing_project_id')
  })
})

describe('authorisation helpers', () => {
  it('hides other projects from keys and keeps operator actions for operators', () => {
    assert.doesNotThrow(() => assertProjectVisible(key, A))
    assert.throws(() => assertProjectVisible(key, B), (e: { httpStatus: number }) => e.httpStatus === 404)
    assert.doesNotThrow(() => assertProjectVisible(operator, B))
    assert.throws(() => requireOperator(key, 'x'), (e: { httpStatus: number }) => e.httpStatus === 403)
    assert.doesNotThrow(() => requireOperator({ kind: 'operator', via: 'local' }, 'x'))
  })
  it('grants local mode only to loopback peers of a loopback server with no admin token', () => {
    assert.ok(localModeActive('127.0.0.1', { adminToken: undefined, host: '127.0.0.1' }))
    assert.ok(localModeActive('::ffff:127.0.0.1', { adminToken: undefined, host: 'localhost' }))
    assert.ok(!localModeActive('10.1.2.3', { adminToken: undefined, host: '127.0.0.1' }))
    assert.ok(!localModeActive('127.0.0.1', { adminToken: 'x'.repeat(16), host: '127.0.0.1' }))
    assert.ok(!localModeActive('127.0.0.1', { adminToken: undefined, host: '0.0.0.0' }))
    assert.ok(!localModeActive(undefined, { adminToken: undefined, host: '127.0.0.1' }))
  })
})
