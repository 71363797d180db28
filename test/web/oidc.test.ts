import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createOidcVerifier, isEmailAllowed } from '../../src/auth/oidc.js'
import { ConfigError, loadConfig, type OidcSettings } from '../../src/config.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { api } from '../helpers/server.js'
import { startServer } from './fixture.js'
import { signJwt as jwt, startProvider, type TestProvider } from './oidc-provider.js'

// Operator login with OpenID Connect against a small provider this test runs itself: discovery,
// a JWKS endpoint, RS256 tokens signed with node:crypto, and a userinfo endpoint.

describe('OIDC operator login', () => {
  let t: TestDatabase
  let provider: TestProvider
  let server: { url: string; close(): Promise<void> }
  let settings: OidcSettings
  const now = () => Math.floor(Date.now() / 1000)
  const token = (claims: Record<string, unknown> = {}) => jwt(provider.key, { iss: provider.issuer, aud: 'debugger', sub: 'u1', email: 'ada@example.com', exp: now() + 600, iat: now(), ...claims })
  const asBearer = (tok: string, method = 'GET', path = '/api/projects', body?: unknown) => api(server.url, method, path, { headers: { authorization: `Bearer ${tok}` }, body })

  before(async () => {
    t = await createTestDatabase()
    provider = await startProvider()
    settings = { issuer: provider.issuer, clientId: 'debugger', audience: 'debugger', jwksUrl: undefined, allowed: ['ada@example.com', '@ops.example.org'], emailClaim: 'email', scopes: 'openid email' }
    // Bound to all interfaces, so the loopback local mode is off and credentials are required.
    server = await startServer(t, { adminToken: undefined, host: '0.0.0.0', oidc: createOidcVerifier(settings), oidcClient: { issuer: settings.issuer, clientId: 'debugger', audience: 'debugger', scopes: 'openid email' } })
  })
  after(async () => {
    await server?.close()
    await provider?.close()
    await t?.drop()
  })

  it('publishes the login settings in /api/auth/config', async () => {
    const { body } = await api(server.url, 'GET', '/api/auth/config')
    assert.equal(body.enabled, true)
    assert.equal(body.oidc_issuer, provider.issuer)
    assert.equal(body.oidc_client_id, 'debugger')
    assert.equal(body.local_mode_enabled, false)
  })

  it('accepts an allow-listed operator and lets it act across projects', async () => {
    const tok = token()
    assert.equal((await asBearer(tok)).status, 200)
    const created = await asBearer(tok, 'POST', '/api/projects', { name: 'made-by-oidc' })
    assert.equal(created.status, 201)
    const byDomain = await asBearer(token({ email: 'Grace@OPS.example.org', sub: 'u2' }))
    assert.equal(byDomain.status, 200)
  })

  it('refuses expired, wrong-audience, wrong-issuer, badly signed and unsigned tokens with 401 invalid_token', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    const cases: Array<[string, string, RegExp]> = [
      ['expired', token({ exp: now() - 120 }), /expired/],
      ['wrong audience', token({ aud: 'someone-else' }), /audience/],
      ['wrong issuer', token({ iss: 'https://evil.example.com/' }), /issuer/],
      ['other key', jwt(other, { iss: provider.issuer, aud: 'debugger', email: 'ada@example.com', exp: now() + 600 }), /signature/],
      ['alg none', `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: provider.issuer, aud: 'debugger', email: 'ada@example.com', exp: now() + 600 })).toString('base64url')}.`, /algorithm/],
      ['not yet valid', token({ nbf: now() + 3600 }), /not valid yet/],
      ['garbage', 'aaa.bbb.ccc', /malformed/],
    ]
    for (const [name, tok, message] of cases) {
      const r = await asBearer(tok)
      assert.equal(r.status, 401, name)
      assert.equal(r.body.code, 'invalid_token', name)
      assert.match(r.body.message, message, name)
    }
  })

  it('refuses a valid token whose email is not allowed with 403 forbidden_operator', async () => {
    const r = await asBearer(token({ email: 'mallory@example.com', sub: 'm' }))
    assert.equal(r.status, 403)
    assert.equal(r.body.code, 'forbidden_operator')
    const unverified = await asBearer(token({ email: 'ada@example.com', email_verified: false, sub: 'u3' }))
    assert.equal(unverified.status, 403)
  })

  it('asks the userinfo endpoint when the token has no email, and refuses when none is known', async () => {
    provider.userinfo.set('api-user', 'ada@example.com')
    const viaUserinfo = await asBearer(token({ email: undefined, sub: 'api-user' }))
    assert.equal(viaUserinfo.status, 200)
    const unknown = await asBearer(token({ email: undefined, sub: 'nobody' }))
    assert.equal(unknown.status, 403)
    assert.equal(unknown.body.code, 'missing_operator_email')
  })

  it('keeps API keys working next to OIDC and still requires credentials', async () => {
    const project = await createProject(t.db, 'keyed')
    const r = await api(server.url, 'GET', '/api/traces', { headers: { authorization: `Bearer ${project.api_key}` } })
    assert.equal(r.status, 200)
    const none = await api(server.url, 'GET', '/api/traces')
    assert.equal(none.status, 401)
  })

  it('checks the allow-list by exact email or by domain', () => {
    assert.equal(isEmailAllowed('ada@example.com', ['ada@example.com']), true)
    assert.equal(isEmailAllowed('bob@example.com', ['ada@example.com']), false)
    assert.equal(isEmailAllowed('bob@sub.example.com', ['@example.com']), false)
    assert.equal(isEmailAllowed('bob@example.com', ['@example.com']), true)
    assert.equal(isEmailAllowed('not-an-email', ['@example.com']), false)
  })

  it('refuses an OIDC configuration without an allow-list or audience', () => {
    assert.throws(() => loadConfig({ CONTINUA_OIDC_ISSUER: 'https://id.example.com/', CONTINUA_OIDC_CLIENT_ID: 'x' }), (e: unknown) => e instanceof ConfigError && e.setting === 'CONTINUA_OIDC_ALLOWED')
    assert.throws(() => loadConfig({ CONTINUA_OIDC_ISSUER: 'https://id.example.com/', CONTINUA_OIDC_ALLOWED: 'example.com' }), (e: unknown) => e instanceof ConfigError && e.setting === 'CONTINUA_OIDC_AUDIENCE')
    const ok = loadConfig({ CONTINUA_OIDC_ISSUER: 'https://id.example.com/', CONTINUA_OIDC_CLIENT_ID: 'x', CONTINUA_OIDC_ALLOWED: 'example.com, ada@other.org' })
    assert.deepEqual(ok.oidc?.allowed, ['@example.com', 'ada@other.org'])
    assert.equal(ok.oidc?.audience, 'x')
  })

  it('follows a provider key rotation, refetching the JWKS at most every 30 s, and re-checks expiry of cached tokens', async () => {
    let clock = Date.now()
    const verifier = createOidcVerifier(settings, { now: () => clock })
    const t0 = Math.floor(clock / 1000)
    const first = token({ exp: t0 + 60, sub: 'rot' })
    assert.equal((await verifier.verify(first)).email, 'ada@example.com')
    const k2 = provider.rotate('k2')
    const rotated = jwt(k2, { iss: provider.issuer, aud: 'debugger', sub: 'rot2', email: 'ada@example.com', exp: t0 + 600 }, { alg: 'RS256', kid: 'k2' })
    // Just after a fetch, an unknown key id is refused rather than hammering the provider.
    await assert.rejects(verifier.verify(rotated), (e: { code?: string }) => e.code === 'invalid_token')
    clock += 31_000
    assert.equal((await verifier.verify(rotated)).email, 'ada@example.com')
    // The first token was cached; once past its expiry (and the skew) it is refused.
    clock += 120_000
    await assert.rejects(verifier.verify(first), (e: { code?: string; message?: string }) => e.code === 'invalid_token')
  })

  it('answers 503 operator_auth_unavailable when the provider cannot be reached', async () => {
    const dead = createOidcVerifier({ ...settings, issuer: 'http://127.0.0.1:9', jwksUrl: undefined })
    await assert.rejects(dead.verify(token()), (e: { code?: string }) => e.code === 'operator_auth_unavailable')
  })
})
