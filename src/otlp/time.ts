/** Nanoseconds since the epoch → RFC 3339 with all nine fractional digits kept. */
export function nanosToIso(ns: bigint): string {
  const ms = Number(ns / 1_000_000n)
  const iso = new Date(ms).toISOString()
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0')
  return `${iso.slice(0, 19)}.${fraction}Z`
}
