// A versioned price table: when a span reports tokens but no cost, the cost is derived from the
// model's list price, and the span records `cost_source = 'price_table'` with this version.
// Prices are USD per million tokens, as decimal strings; arithmetic is exact (BigInt at 1e-12).
//
// prompt_tokens are billed at the input price, completion_tokens at the output price (reasoning
// tokens are assumed to be part of completion_tokens, as OpenAI reports them), and cache reads and
// writes at their own prices (falling back to the input price when a model has none).

export const PRICE_TABLE_VERSION = '2026-11-01'

interface ModelPrice {
  input: string
  output: string
  cacheRead?: string
  cacheWrite?: string
}

const PRICES: Record<string, ModelPrice> = {
  'gpt-4o': { input: '2.50', output: '10.00', cacheRead: '1.25' },
  'gpt-4o-mini': { input: '0.15', output: '0.60', cacheRead: '0.075' },
  'gpt-4.1': { input: '2.00', output: '8.00', cacheRead: '0.50' },
  'gpt-4.1-mini': { input: '0.40', output: '1.60', cacheRead: '0.10' },
  'gpt-4.1-nano': { input: '0.10', output: '0.40', cacheRead: '0.025' },
  'gpt-5': { input: '1.25', output: '10.00', cacheRead: '0.125' },
  'gpt-5-mini': { input: '0.25', output: '2.00', cacheRead: '0.025' },
  o1: { input: '15.00', output: '60.00', cacheRead: '7.50' },
  o3: { input: '2.00', output: '8.00', cacheRead: '0.50' },
  'o4-mini': { input: '1.10', output: '4.40', cacheRead: '0.275' },
  'claude-opus-4': { input: '15.00', output: '75.00', cacheRead: '1.50', cacheWrite: '18.75' },
  'claude-sonnet-4': { input: '3.00', output: '15.00', cacheRead: '0.30', cacheWrite: '3.75' },
  'claude-3-7-sonnet': { input: '3.00', output: '15.00', cacheRead: '0.30', cacheWrite: '3.75' },
  'claude-3-5-sonnet': { input: '3.00', output: '15.00', cacheRead: '0.30', cacheWrite: '3.75' },
  'claude-3-5-haiku': { input: '0.80', output: '4.00', cacheRead: '0.08', cacheWrite: '1.00' },
  'claude-3-haiku': { input: '0.25', output: '1.25', cacheRead: '0.03', cacheWrite: '0.30' },
  'gemini-2.5-pro': { input: '1.25', output: '10.00', cacheRead: '0.31' },
  'gemini-2.5-flash': { input: '0.30', output: '2.50', cacheRead: '0.075' },
  'gemini-2.0-flash': { input: '0.10', output: '0.40', cacheRead: '0.025' },
  'gemini-1.5-pro': { input: '1.25', output: '5.00' },
  'gemini-1.5-flash': { input: '0.075', output: '0.30' },
}

// Longest names first, so "gpt-4o-mini-2024-07-18" matches gpt-4o-mini rather than gpt-4o.
const NAMES_BY_LENGTH = Object.keys(PRICES).sort((a, b) => b.length - a.length || a.localeCompare(b))

/** The table entry for a model name (exact, then longest prefix; a `provider/` prefix is ignored). */
export function findModelPrice(model: string | null | undefined): { name: string; price: ModelPrice } | undefined {
  if (!model) return undefined
  const bare = model.trim().toLowerCase().replace(/^[^/]*\//, '')
  const exact = PRICES[bare]
  if (exact) return { name: bare, price: exact }
  const name = NAMES_BY_LENGTH.find((n) => bare.startsWith(n + '-') || bare.startsWith(n + '@') || bare.startsWith(n + ':'))
  return name ? { name, price: PRICES[name]! } : undefined
}

export interface TokenUsage {
  prompt?: number | null
  completion?: number | null
  cacheRead?: number | null
  cacheWrite?: number | null
}

/** Exact cost in USD as a decimal string with 12 fractional digits, or undefined when unknown. */
export function priceTokens(model: string | null | undefined, usage: TokenUsage): string | undefined {
  const found = findModelPrice(model)
  if (!found) return undefined
  const { price } = found
  const counts = [usage.prompt, usage.completion, usage.cacheRead, usage.cacheWrite]
  if (counts.every((c) => c == null)) return undefined
  // Price per million tokens scaled by 1e6 is the price per token in 1e-12 USD.
  const total =
    BigInt(usage.prompt ?? 0) * perToken(price.input) +
    BigInt(usage.completion ?? 0) * perToken(price.output) +
    BigInt(usage.cacheRead ?? 0) * perToken(price.cacheRead ?? price.input) +
    BigInt(usage.cacheWrite ?? 0) * perToken(price.cacheWrite ?? price.input)
  return formatPico(total)
}

/** Decimal USD-per-million string → per-token price in 1e-12 USD. */
function perToken(perMillion: string): bigint {
  const [whole, frac = ''] = perMillion.split('.')
  return BigInt(whole!) * 1_000_000n + BigInt((frac + '000000').slice(0, 6))
}

function formatPico(pico: bigint): string {
  const s = pico.toString().padStart(13, '0')
  return `${s.slice(0, -12)}.${s.slice(-12)}`
}

/** A client cost (number or decimal string) as a decimal string Postgres reads exactly. */
export function normalizeCost(cost: number | string | null | undefined): string | null {
  if (cost == null) return null
  if (typeof cost === 'string') return cost
  // Numbers print in the shortest round-trip form; Postgres numeric accepts exponents too.
  return String(cost)
}
