import { createHash, createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto'
import type { OidcSettings } from '../config.js'
import { ContinuaError } from '../errors.js'

// Operator tokens from an OpenID Connect provider (Auth0 or any other): the signature is checked
// against the provider's JWKS, then issuer, audience, expiry and the email allow-list. Keys are
// cached and refetched when a token names an unknown key id (provider key rotation).

const SKEW_S = 30
const JWKS_TTL_MS = 5 * 60_000
const REFETCH_MIN_MS = 30_000
const FETCH_TIMEOUT_MS = 5_000
const IDENTITY_CACHE_MAX = 1000

const ALGS: Record<string, { hash: string; ec?: boolean; pss?: boolean }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  ES256: { hash: 'sha256', ec: true },
  ES384: { hash: 'sha384', ec: true },
}

export interface OperatorIdentity {
  email: string
  subject: string
  expiresAt: number
}

export interface OidcVerifier {
  verify(token: string): Promise<OperatorIdentity>
}

/** True when a bearer looks like a JWT (three dot-separated parts), not an API key. */
export function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3
}

const invalid = (why: string) => new ContinuaError('invalid_token', `Invalid operator token: ${why}`)

function decodePart(part: string, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // fall through
  }
  throw invalid(`malformed ${what}`)
}

const trimSlash = (s: string) => s.replace(/\/+$/, '')

async function fetchJson(url: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`)
  return (await res.json()) as Record<string, unknown>
}

export function isEmailAllowed(email: string, allowed: readonly string[]): boolean {
  const e = email.trim().toLowerCase()
  const at = e.lastIndexOf('@')
  if (at < 1) return false
  return allowed.includes(e) || allowed.includes(e.slice(at))
}

export function createOidcVerifier(settings: OidcSettings, options: { now?: () => number } = {}): OidcVerifier {
  const now = options.now ?? Date.now
  let discovery: Promise<Record<string, unknown>> | undefined
  let keys: Map<string, KeyObject> | undefined
  let keysAt = 0
  let keysLoading: Promise<void> | undefined
  const identities = new Map<string, OperatorIdentity>()

  const discover = () => {
    discovery ??= fetchJson(`${trimSlash(settings.issuer)}/.well-known/openid-configuration`).catch((err: unknown) => {
      discovery = undefined
      throw err
    })
    return discovery
  }

  async function loadKeys(): Promise<void> {
    const url = settings.jwksUrl ?? String((await discover()).jwks_uri ?? '')
    if (!url) throw new Error('the discovery document has no jwks_uri')
    const body = await fetchJson(url)
    const next = new Map<string, KeyObject>()
    for (const jwk of Array.isArray(body.keys) ? (body.keys as Array<JsonWebKey & { kid?: string; use?: string }>) : []) {
      if (jwk.use && jwk.use !== 'sig') continue
      try {
        next.set(jwk.kid ?? '', createPublicKey({ key: jwk, format: 'jwk' }))
      } catch {
        // skip keys node cannot use
      }
    }
    keys = next
    keysAt = now()
  }

  async function keyFor(kid: string): Promise<KeyObject> {
    const stale = !keys || now() - keysAt > JWKS_TTL_MS
    const unknown = keys && !keys.has(kid) && now() - keysAt > REFETCH_MIN_MS
    if (stale || unknown) {
      keysLoading ??= loadKeys().finally(() => (keysLoading = undefined))
      try {
        await keysLoading
      } catch (err) {
        if (!keys) throw new ContinuaError('operator_auth_unavailable', `Cannot load the identity provider's signing keys: ${(err as Error).message}`)
      }
    }
    const key = keys!.get(kid) ?? (kid === '' && keys!.size === 1 ? [...keys!.values()][0] : undefined)
    if (!key) throw invalid('signed with an unknown key')
    return key
  }

  async function emailOf(token: string, claims: Record<string, unknown>): Promise<string | undefined> {
    const claimed = claims[settings.emailClaim]
    if (typeof claimed === 'string' && claimed) {
      if (claims.email_verified === false) throw new ContinuaError('forbidden_operator', 'The email of this account is not verified')
      return claimed
    }
    // Access tokens (Auth0 with an API audience) usually carry no email: ask the userinfo endpoint.
    const endpoint = (await discover().catch(() => ({}) as Record<string, unknown>)).userinfo_endpoint
    if (typeof endpoint !== 'string') return undefined
    const info = await fetchJson(endpoint, { authorization: `Bearer ${token}` }).catch(() => {
      throw new ContinuaError('operator_auth_unavailable', 'The identity provider did not answer the userinfo request')
    })
    if (info.email_verified === false) throw new ContinuaError('forbidden_operator', 'The email of this account is not verified')
    return typeof info.email === 'string' ? info.email : undefined
  }

  return {
    async verify(token: string): Promise<OperatorIdentity> {
      const cacheKey = createHash('sha256').update(token).digest('hex')
      const cached = identities.get(cacheKey)
      if (cached && cached.expiresAt * 1000 > now() - SKEW_S * 1000) return cached

      const parts = token.split('.')
      if (parts.length !== 3) throw invalid('not a JWT')
      const header = decodePart(parts[0]!, 'header')
      const claims = decodePart(parts[1]!, 'payload')
      const alg = ALGS[String(header.alg)]
      if (!alg) throw invalid(`unsupported algorithm ${String(header.alg).slice(0, 16)}`)
      const key = await keyFor(typeof header.kid === 'string' ? header.kid : '')
      const signed = Buffer.from(`${parts[0]}.${parts[1]}`)
      const signature = Buffer.from(parts[2]!, 'base64url')
      const ok = verifySignature(alg.hash, signed, alg.ec ? { key, dsaEncoding: 'ieee-p1363' } : alg.pss ? { key, padding: 6, saltLength: 32 } : key, signature)
      if (!ok) throw invalid('bad signature')

      if (typeof claims.iss !== 'string' || trimSlash(claims.iss) !== trimSlash(settings.issuer)) throw invalid('wrong issuer')
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
      if (!aud.includes(settings.audience)) throw invalid('wrong audience')
      const t = now() / 1000
      if (typeof claims.exp !== 'number') throw invalid('no expiry')
      if (claims.exp + SKEW_S < t) throw invalid('expired')
      if (typeof claims.nbf === 'number' && claims.nbf - SKEW_S > t) throw invalid('not valid yet')

      const email = await emailOf(token, claims)
      if (!email) throw new ContinuaError('missing_operator_email', 'The token carries no email, so the allow-list cannot be checked')
      if (!isEmailAllowed(email, settings.allowed)) throw new ContinuaError('forbidden_operator', `${email.slice(0, 200)} is not allowed to operate this server`)
      const identity = { email: email.toLowerCase(), subject: String(claims.sub ?? ''), expiresAt: claims.exp }
      if (identities.size >= IDENTITY_CACHE_MAX) identities.clear()
      identities.set(cacheKey, identity)
      return identity
    },
  }
}
