// Exact decimal arithmetic for costs (NUMERIC(24,12) in the database) without floats:
// values are scaled to 12 fractional digits in a bigint.

const SCALE = 12
const FACTOR = 10n ** BigInt(SCALE)

/** Parses "12.345" / "-0.5" / "7" (or a finite number) into a scaled bigint. */
export function toScaled(value: string | number | null | undefined): bigint {
  if (value === null || value === undefined || value === '') return 0n
  const text = typeof value === 'number' ? value.toFixed(SCALE) : value.trim()
  const match = /^(-)?(\d*)(?:\.(\d*))?$/.exec(text)
  if (!match) throw new Error(`not a decimal: ${text}`)
  const [, sign, whole = '', frac = ''] = match
  const scaled = BigInt(whole || '0') * FACTOR + BigInt((frac + '0'.repeat(SCALE)).slice(0, SCALE) || '0')
  return sign ? -scaled : scaled
}

/** Formats a scaled bigint as the shortest exact decimal string ("0.0123", "-2", "0"). */
export function fromScaled(value: bigint): string {
  const negative = value < 0n
  const abs = negative ? -value : value
  const whole = abs / FACTOR
  const frac = (abs % FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${frac ? '.' + frac : ''}`
}

/** Normalises a decimal string from the database: "0.012300000000" → "0.0123". */
export function normalizeDecimal(value: string | number | null | undefined): string {
  return fromScaled(toScaled(value))
}

export function sumDecimals(values: Array<string | number | null | undefined>): string {
  return fromScaled(values.reduce<bigint>((acc, v) => acc + toScaled(v), 0n))
}

/** b − a, exactly. */
export function subtractDecimals(a: string | number | null | undefined, b: string | number | null | undefined): string {
  return fromScaled(toScaled(b) - toScaled(a))
}
