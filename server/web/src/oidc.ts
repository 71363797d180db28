import { credentials, type AuthConfig } from './api.js'

// Operator login with OpenID Connect: authorization code flow with PKCE, in the browser. The
// server verifies the resulting token (issuer, audience, signature via JWKS, allow-list).

const STATE_KEY = 'continua_oidc_state'
export const CALLBACK_PATH = '/auth/callback'

function b64url(bytes: Uint8Array): string {
  let s = ''
  bytes.forEach((b) => (s += String.fromCharCode(b)))
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

async function discover(issuer: string): Promise<{ authorization_endpoint: string; token_endpoint: string; end_session_endpoint?: string }> {
  const res = await fetch(issuer.replace(/\/$/, '') + '/.well-known/openid-configuration')
  if (!res.ok) throw new Error(`OIDC discovery failed with HTTP ${res.status}`)
  return res.json()
}

export async function startLogin(config: AuthConfig): Promise<void> {
  if (!config.oidc_issuer || !config.oidc_client_id) throw new Error('OIDC is not configured on this server')
  const meta = await discover(config.oidc_issuer)
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)))
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))))
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)))
  const returnTo = window.location.pathname + window.location.search
  sessionStorage.setItem(STATE_KEY, JSON.stringify({ state, verifier, returnTo }))
  const url = new URL(meta.authorization_endpoint)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', config.oidc_client_id)
  url.searchParams.set('redirect_uri', window.location.origin + CALLBACK_PATH)
  url.searchParams.set('scope', config.oidc_scopes ?? 'openid email profile')
  url.searchParams.set('state', state)
  url.searchParams.set('code_challenge', challenge)
  url.searchParams.set('code_challenge_method', 'S256')
  if (config.oidc_audience && config.oidc_audience !== config.oidc_client_id) url.searchParams.set('audience', config.oidc_audience)
  window.location.assign(url.toString())
}

/** Completes the login on /auth/callback; returns where to go next. */
export async function finishLogin(config: AuthConfig): Promise<string> {
  const params = new URLSearchParams(window.location.search)
  const saved = JSON.parse(sessionStorage.getItem(STATE_KEY) ?? 'null') as { state: string; verifier: string; returnTo: string } | null
  sessionStorage.removeItem(STATE_KEY)
  if (params.get('error')) throw new Error(`Login refused: ${params.get('error_description') ?? params.get('error')}`)
  if (!saved || saved.state !== params.get('state')) throw new Error('Login state mismatch; start the login again')
  const meta = await discover(config.oidc_issuer!)
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.get('code') ?? '',
    redirect_uri: window.location.origin + CALLBACK_PATH,
    client_id: config.oidc_client_id!,
    code_verifier: saved.verifier,
  })
  const res = await fetch(meta.token_endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body })
  if (!res.ok) throw new Error(`Token exchange failed with HTTP ${res.status}`)
  const tokens = (await res.json()) as { id_token?: string; access_token?: string }
  // With a separate API audience the access token carries it; otherwise the ID token (aud = client).
  const useAccess = config.oidc_audience && config.oidc_audience !== config.oidc_client_id
  const token = useAccess ? tokens.access_token : (tokens.id_token ?? tokens.access_token)
  if (!token) throw new Error('The provider returned no token')
  credentials.setApiKey('')
  credentials.setOidcToken(token)
  return saved.returnTo || '/dashboard'
}

export function tokenEmail(token: string): string | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { email?: string; sub?: string }
    return payload.email ?? payload.sub
  } catch {
    return undefined
  }
}
