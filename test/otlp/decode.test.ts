import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeBody } from '../../src/otlp/export.js'
import { decodeTraceRequest } from '../../src/otlp/decode.js'
import { parseJsonLossless, quoteBigIntegers } from '../../src/otlp/lossless-json.js'
import { spanProblems } from '../../src/otlp/model.js'
import { decodeProtobufTraceRequest, decodeRpcStatus, encodeProtobufTraceRequest, encodeRpcStatus } from '../../src/otlp/protobuf.js'
import { otlpJson, readFixture, toProtobufObject } from './fixtures.js'

describe('lossless JSON', () => {
  it('keeps integers above 2^53 exact, leaves strings, decimals and small numbers alone', () => {
    const text = '{"a": 1544712660123456789, "b": "1544712660123456789 in a string \\" 99999999999999999", "c": 1.5e300, "d": -9007199254740993, "e": 42, "f": [12345678901234567890]}'
    const parsed = parseJsonLossless(text) as Record<string, unknown>
    assert.equal(parsed.a, '1544712660123456789')
    assert.equal(parsed.b, '1544712660123456789 in a string " 99999999999999999')
    assert.equal(parsed.c, 1.5e300)
    assert.equal(parsed.d, '-9007199254740993')
    assert.equal(parsed.e, 42)
    assert.deepEqual(parsed.f, ['12345678901234567890'])
    // JSON.parse alone rounds the first value
    assert.notEqual(String(BigInt(JSON.parse(text).a)), '1544712660123456789')
  })

  it('returns the text unchanged when nothing needs quoting', () => {
    const text = '{"x":[1,2,3],"y":"z"}'
    assert.equal(quoteBigIntegers(text), text)
  })
})

describe('OTLP/JSON decoding', () => {
  it('reads the specification example: upper-case hex ids, bare-number timestamps', () => {
    const spans = decodeTraceRequest(decodeBody(Buffer.from(readFixture('spec-trace.json')), 'json'))
    assert.equal(spans.length, 1)
    const s = spans[0]!
    assert.equal(s.traceId, '5b8efff798038103d269b633813fc60c')
    assert.equal(s.spanId, 'eee19b7ec3c1b174')
    assert.equal(s.parentSpanId, 'eee19b7ec3c1b173')
    assert.equal(s.startTimeUnixNano, 1544712660000000000n)
    assert.equal(s.endTimeUnixNano, 1544712661000000000n)
    assert.equal(s.kind, 2)
    assert.deepEqual(s.attributes, { 'my.span.attr': 'some value' })
    assert.deepEqual(s.resource.attributes, { 'service.name': 'my.service' })
    assert.equal(s.scope.name, 'my.library')
    assert.deepEqual(s.scope.attributes, { 'my.scope.attribute': 'some scope attribute' })
    assert.deepEqual(spanProblems(s), [])
  })

  it('is lenient: snake_case keys, base64 ids, enum names, numbers or strings for 64-bit fields, every AnyValue', () => {
    const spans = decodeTraceRequest(decodeBody(Buffer.from(readFixture('browser-lenient.json')), 'json'))
    const s = spans[0]!
    assert.deepEqual(spanProblems(s), [])
    assert.equal(s.traceId, '5b8efff798038103d269b633813fc60c')
    assert.equal(s.spanId, 'eee19b7ec3c1b174')
    assert.equal(s.parentSpanId, '')
    assert.equal(s.kind, 3)
    assert.deepEqual(s.status, { code: 2, message: 'upstream 502' })
    assert.equal(s.startTimeUnixNano, 1544712660123456789n)
    assert.equal(s.endTimeUnixNano, 1544712660987654321n)
    assert.deepEqual(s.attributes, {
      'http.status_code': 502,
      'big.counter': '9007199254740993',
      ratio: 0.25,
      'not.a.number': 'NaN',
      flag: true,
      tags: ['a', 2],
      nested: { k: 'v' },
      blob: 'AAEC',
      empty: null,
    })
    assert.equal(s.events[0]!.timeUnixNano, 1544712660500000001n)
    assert.equal(s.events[0]!.attributes['exception.type'], 'TypeError')
    assert.equal(s.links[0]!.spanId, 'b7ad6b7169203331')
    assert.deepEqual(s.links[0]!.attributes, { 'link.kind': 'follows' })
    assert.deepEqual(s.resource.attributes, { 'service.name': 'web-app' })
  })

  it('flags per-span problems instead of failing the request', () => {
    const req = otlpJson([
      { traceId: 'abc', spanId: '00f067aa0ba902b7', name: 'short trace id', start: 1n },
      { traceId: '00000000000000000000000000000000', spanId: '00f067aa0ba902b7', name: 'zero trace id', start: 1n },
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: '', start: 1n },
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: 'no start', start: 0n },
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: 'fine', start: 1n, parentSpanId: '0000000000000000' },
    ])
    const problems = decodeTraceRequest(req).map(spanProblems)
    assert.match(problems[0]!.join(), /trace_id must be 16 bytes/)
    assert.match(problems[1]!.join(), /trace_id must not be all zeros/)
    assert.match(problems[2]!.join(), /name is empty/)
    assert.match(problems[3]!.join(), /start_time_unix_nano is missing/)
    assert.deepEqual(problems[4], [], 'an all-zero parent means a root span')
  })

  it('reads an unknown kind or status code as unspecified rather than dropping the span', () => {
    const req = otlpJson([{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: 'odd', start: 1n }]) as any
    req.resourceSpans[0].scopeSpans[0].spans[0].kind = 'SPAN_KIND_SOMETHING_NEW'
    req.resourceSpans[0].scopeSpans[0].spans[0].status = { code: 7 }
    const s = decodeTraceRequest(req)[0]!
    assert.equal(s.kind, 0)
    assert.equal(s.status.code, 0)
    assert.deepEqual(spanProblems(s), [])
  })

  it('refuses an envelope that is not an ExportTraceServiceRequest with a readable 400', () => {
    assert.throws(() => decodeTraceRequest([1, 2]), { code: 'invalid_request' })
    assert.throws(() => decodeTraceRequest({ resourceSpans: 'nope' }), { code: 'invalid_request', message: /resourceSpans must be an array/ })
    assert.throws(() => decodeBody(Buffer.from('{"resourceSpans": ['), 'json'), { code: 'invalid_json' })
    assert.deepEqual(decodeTraceRequest({}), [])
  })

  it('replaces NUL and unpaired surrogates that Postgres cannot store', () => {
    const req = otlpJson([{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', name: 'a\u0000b', start: 1n, attributes: { 'k\u0000': 'x\ud800y' } }])
    const s = decodeTraceRequest(JSON.parse(JSON.stringify(req)))[0]!
    assert.equal(s.name, 'a\uFFFDb')
    assert.deepEqual(s.attributes, { 'k\uFFFD': 'x\uFFFDy' })
  })
})

describe('OTLP protobuf decoding', () => {
  it('decodes to the same spans as the JSON form of the same request', () => {
    const fromJson = decodeTraceRequest(decodeBody(Buffer.from(readFixture('browser-lenient.json')), 'json'))
    const camel = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web-app' } }] },
          scopeSpans: [
            {
              scope: { name: 'browser-sdk' },
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'fetch /api/chat',
                  kind: 3,
                  startTimeUnixNano: '1544712660123456789',
                  endTimeUnixNano: '1544712660987654321',
                  status: { code: 2, message: 'upstream 502' },
                  attributes: [
                    { key: 'http.status_code', value: { intValue: 502 } },
                    { key: 'big.counter', value: { intValue: '9007199254740993' } },
                    { key: 'ratio', value: { doubleValue: 0.25 } },
                    { key: 'not.a.number', value: { doubleValue: NaN } },
                    { key: 'flag', value: { boolValue: true } },
                    { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } } },
                    { key: 'nested', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
                    { key: 'blob', value: { bytesValue: Buffer.from([0, 1, 2]) } },
                    { key: 'empty', value: {} },
                  ],
                  events: [
                    {
                      timeUnixNano: '1544712660500000001',
                      name: 'exception',
                      attributes: [
                        { key: 'exception.type', value: { stringValue: 'TypeError' } },
                        { key: 'exception.message', value: { stringValue: 'failed to fetch' } },
                        { key: 'exception.stacktrace', value: { stringValue: 'TypeError: failed to fetch\n    at send (app.js:1:1)' } },
                      ],
                    },
                  ],
                  links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', attributes: [{ key: 'link.kind', value: { stringValue: 'follows' } }] }],
                },
              ],
            },
          ],
        },
      ],
    }
    const bytes = encodeProtobufTraceRequest(toProtobufObject(camel))
    const fromProto = decodeTraceRequest(decodeProtobufTraceRequest(bytes))
    assert.deepEqual(fromProto, fromJson)
  })

  it('answers garbage with a 400, not a crash', () => {
    assert.throws(() => decodeProtobufTraceRequest(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), { code: 'invalid_request' })
  })

  it('round-trips a google.rpc.Status', () => {
    assert.deepEqual(decodeRpcStatus(encodeRpcStatus(8, 'too big')), { code: 8, message: 'too big' })
  })
})
