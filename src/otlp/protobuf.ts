import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js'
import protobuf from 'protobufjs'
import { ContinuaError } from '../errors.js'

// Protobuf through the message classes that @opentelemetry/otlp-transformer generated with pbjs
// from the official opentelemetry-proto files (0.216.0 is the last release that ships them; later
// ones hand-write an encoder only). The package's typings declare the root as a bare protobufjs
// Root, so the few members used here are typed below.

interface GeneratedType {
  decode(reader: Uint8Array): unknown
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>
  fromObject(object: Record<string, unknown>): unknown
  encode(message: unknown): { finish(): Uint8Array }
}

interface CollectorNamespace {
  ExportTraceServiceRequest: GeneratedType
  ExportTraceServiceResponse: GeneratedType
}

const root = otlpRoot as unknown as {
  opentelemetry: { proto: { collector: { trace: { v1: CollectorNamespace } } } }
}
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1

/**
 * Decodes a protobuf ExportTraceServiceRequest into a plain object for decodeTraceRequest:
 * 64-bit integers as decimal strings (no precision loss), bytes as Uint8Array, enums as numbers.
 */
export function decodeProtobufTraceRequest(body: Uint8Array): Record<string, unknown> {
  try {
    const message = ExportTraceServiceRequest.decode(body)
    return ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, arrays: true })
  } catch (err) {
    // Includes RangeError from absurd nesting: a bad body, not a server fault.
    throw new ContinuaError('invalid_request', `Body is not a protobuf ExportTraceServiceRequest: ${(err as Error).message}`)
  }
}

/** An ExportTraceServiceResponse; empty for full success. */
export function encodeProtobufTraceResponse(partial?: { rejectedSpans: number; errorMessage: string }): Buffer {
  const message = ExportTraceServiceResponse.fromObject(partial ? { partialSuccess: partial } : {})
  return Buffer.from(ExportTraceServiceResponse.encode(message).finish())
}

/** For tests and tools: decode a protobuf response. */
export function decodeProtobufTraceResponse(body: Uint8Array): Record<string, unknown> {
  return ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(body), { longs: Number })
}

/** For tests and tools: encode a request given in the OTLP/JSON object shape (ids as bytes). */
export function encodeProtobufTraceRequest(request: Record<string, unknown>): Buffer {
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish())
}

// OTLP/HTTP errors carry a google.rpc.Status, which opentelemetry-proto does not define; it is
// compiled here from its two scalar fields (details, a list of Any, is never sent).
const RpcStatus = protobuf
  .parse('syntax = "proto3"; package google.rpc; message Status { int32 code = 1; string message = 2; }')
  .root.lookupType('google.rpc.Status')

/** gRPC status codes used by OTLP/HTTP error bodies. */
export const RPC_CODE = { invalidArgument: 3, resourceExhausted: 8, internal: 13, unauthenticated: 16, permissionDenied: 7 } as const

export function encodeRpcStatus(code: number, message: string): Buffer {
  return Buffer.from(RpcStatus.encode(RpcStatus.create({ code, message })).finish())
}

export function decodeRpcStatus(body: Uint8Array): { code: number; message: string } {
  return RpcStatus.toObject(RpcStatus.decode(body), { defaults: true }) as { code: number; message: string }
}
