import type { Readable } from 'node:stream'
import zlib from 'node:zlib'
import { ContinuaError } from '../errors.js'

// Reads an OTLP request body, inflating gzip/deflate as it streams and counting the inflated
// bytes: past the cap the inflater is destroyed and the request refused with 413, so a gzip bomb
// never grows beyond the cap plus one zlib output chunk in memory. The request stream itself is
// never destroyed (only drained), so the 413 still reaches the client.

export type OtlpFormat = 'protobuf' | 'json'

/** The body format from Content-Type; OTLP/HTTP says a missing type means protobuf. */
export function otlpFormat(contentType: string | undefined): OtlpFormat {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (mime === '' || mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'protobuf'
  if (mime === 'application/json') return 'json'
  throw new ContinuaError(
    'unsupported_media_type',
    `Content-Type ${mime.slice(0, 100)} is not supported here; send application/x-protobuf or application/json`,
  )
}

export type BodyEncoding = 'identity' | 'gzip' | 'deflate'

export function bodyEncoding(contentEncoding: string | undefined): BodyEncoding {
  const value = (contentEncoding ?? '').trim().toLowerCase()
  if (value === '' || value === 'identity') return 'identity'
  if (value === 'gzip' || value === 'x-gzip') return 'gzip'
  if (value === 'deflate') return 'deflate'
  throw new ContinuaError('unsupported_media_type', `Content-Encoding ${value.slice(0, 100)} is not supported; use gzip, deflate or identity`)
}

function tooLarge(maxBytes: number): ContinuaError {
  return new ContinuaError('payload_too_large', `OTLP body exceeds the ${maxBytes} byte limit (CONTINUA_OTLP_MAX_BODY_BYTES, counted after decompression)`)
}

export async function readOtlpBody(source: Readable, encoding: BodyEncoding, maxBytes: number, declaredLength?: number): Promise<Buffer> {
  if (encoding === 'identity' && declaredLength !== undefined && declaredLength > maxBytes) {
    source.resume()
    throw tooLarge(maxBytes)
  }
  const inflater = encoding === 'gzip' ? zlib.createGunzip() : encoding === 'deflate' ? zlib.createInflate() : undefined
  const input: Readable = inflater ? source.pipe(inflater) : source

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    let settled = false
    const settle = (err?: Error) => {
      if (settled) return
      settled = true
      input.off('data', onData)
      if (inflater) {
        source.unpipe(inflater)
        inflater.destroy()
      }
      if (err) {
        source.resume() // discard whatever is still coming
        reject(err)
      } else resolve(Buffer.concat(chunks, total))
    }
    const onData = (chunk: Buffer) => {
      total += chunk.length
      if (total > maxBytes) settle(tooLarge(maxBytes))
      else chunks.push(chunk)
    }
    input.on('data', onData)
    input.once('end', () => settle())
    input.once('error', (err: Error & { code?: string }) =>
      settle(
        inflater && input === inflater
          ? new ContinuaError('invalid_request', `Body is not valid ${encoding} data: ${err.message}`)
          : new ContinuaError('invalid_request', 'Request was aborted by the client'),
      ),
    )
    if (inflater) source.once('error', () => settle(new ContinuaError('invalid_request', 'Request was aborted by the client')))
    source.once('aborted', () => settle(new ContinuaError('invalid_request', 'Request was aborted by the client')))
  })
}
