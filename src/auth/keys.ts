import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// API keys: "ck_" + 32 random bytes in lowercase base32 (52 characters). Only a SHA-256 hash
// and a short display prefix are ever stored.

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
export const KEY_PREFIX = 'ck_'
const DISPLAY_CHARS = 8

export function generateApiKey(): string {
  return KEY_PREFIX + base32(randomBytes(32))
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + DISPLAY_CHARS)
}

/** Constant-time comparison of two secrets (lengths may differ). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

function base32(bytes: Buffer): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out
}
