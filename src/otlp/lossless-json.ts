// JSON.parse turns 1544712660000000000 into 1544712660000000000 ± 128: OTLP/JSON timestamps and
// int64 values written as bare numbers (the spec's own example does this) lose precision. One
// pass over the text wraps every integer literal outside strings that is too big for a double in
// quotes; JSON.parse then yields the exact digits as a string, which the decoder turns into a
// bigint. Fractional and exponent numbers are doubles by nature and are left alone.

const MAX_SAFE_DIGITS = 15 // every integer of up to 15 digits is exact in a double

export function parseJsonLossless(text: string): unknown {
  return JSON.parse(quoteBigIntegers(text))
}

export function quoteBigIntegers(text: string): string {
  let out: string[] | undefined
  let last = 0
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      i++
      while (i < n) {
        const d = text.charCodeAt(i)
        if (d === 0x5c /* \ */) i += 2
        else if (d === 0x22) break
        else i++
      }
      i++
      continue
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i
      i++
      while (i < n) {
        const d = text.charCodeAt(i)
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++
        else break
      }
      const literal = text.slice(start, i)
      if (/^-?\d+$/.test(literal) && literal.replace('-', '').length > MAX_SAFE_DIGITS && !Number.isSafeInteger(Number(literal))) {
        out ??= []
        out.push(text.slice(last, start), '"', literal, '"')
        last = i
      }
      continue
    }
    i++
  }
  if (!out) return text
  out.push(text.slice(last))
  return out.join('')
}
