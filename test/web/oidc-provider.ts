import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

// A small OpenID Connect provider for tests: discovery, JWKS, an authorize endpoint that logs
// in a fixed user at once, a token endpoint that checks PKCE, and userinfo. Tokens are RS256,
// signed with node:crypto.

export interface TestProvider {
  issuer: string
  key: KeyObject
  /** Email by subject, for userinfo. */
  userinfo: Map<string, string>
  /** Who the authorize endpoint logs in. */
  loginAs: { sub: string; email: string }
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>, key?: KeyObject): string
  /** Publishes a new signing key under a new key id (and drops the old one), as providers rotate. */
  rotate(kid: string): KeyObject
  close(): Promise<void>
}

export function signJwt(key: KeyObject, claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', kid: 'k1', typ: 'JWT' }): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const signed = `${part(header)}.${part(claims)}`
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`
}

export async function startProvider(): Promise<TestProvider> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  let published = { kid: 'k1', key: publicKey }
  const userinfo = new Map<string, string>()
  const codes = new Map<string, { challenge: string; clientId: string; redirectUri: string }>()
  const provider = { loginAs: { sub: 'browser-user', email: 'ada@example.com' } } as TestProvider
  let issuer = ''
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(200, { issuer, jwks_uri: `${issuer}/jwks`, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/userinfo` })
    }
    if (url.pathname === '/jwks') return send(200, { keys: [{ ...published.key.export({ format: 'jwk' }), kid: published.kid, use: 'sig', alg: 'RS256' }] })
    if (url.pathname === '/authorize') {
      const code = randomBytes(12).toString('hex')
      const redirectUri = url.searchParams.get('redirect_uri') ?? ''
      codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', clientId: url.searchParams.get('client_id') ?? '', redirectUri })
      const back = new URL(redirectUri)
      back.searchParams.set('code', code)
      back.searchParams.set('state', url.searchParams.get('state') ?? '')
      res.writeHead(302, { location: back.toString() })
      return res.end()
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let raw = ''
      for await (const chunk of req) raw += chunk
      const form = new URLSearchParams(raw)
      const grant = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      const verifier = form.get('code_verifier') ?? ''
      if (!grant || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge || form.get('redirect_uri') !== grant.redirectUri) {
        return send(400, { error: 'invalid_grant' })
      }
      const now = Math.floor(Date.now() / 1000)
      const idToken = signJwt(privateKey, { iss: issuer, aud: grant.clientId, sub: provider.loginAs.sub, email: provider.loginAs.email, iat: now, exp: now + 600 })
      return send(200, { id_token: idToken, access_token: idToken, token_type: 'Bearer', expires_in: 600 })
    }
    if (url.pathname === '/userinfo') {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      const sub = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}').sub as string
      const email = userinfo.get(sub)
      return email ? send(200, { sub, email, email_verified: true }) : send(200, { sub })
    }
    send(404, {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return Object.assign(provider, {
    issuer,
    key: privateKey,
    userinfo,
    sign: (claims: Record<string, unknown>, header?: Record<string, unknown>, key: KeyObject = privateKey) => signJwt(key, claims, header),
    rotate: (kid: string) => {
      const next = generateKeyPairSync('rsa', { modulusLength: 2048 })
      published = { kid, key: next.publicKey }
      return next.privateKey
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  })
}
