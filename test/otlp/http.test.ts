import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import zlib from 'node:zlib'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node'
import { decodeProtobufTraceResponse, decodeRpcStatus, encodeProtobufTraceRequest } from '../../src/otlp/protobuf.js'
import { createProject } from '../../src/projects.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { genaiNew, genaiOld, openInference, otlpJson, readFixture, toProtobufObject } from './fixtures.js'

// POST /v1/traces against a running server and real Postgres, fed by the official OpenTelemetry
// SDK and both OTLP/HTTP exporters (protobuf and JSON), plus hand-made edge-case bodies.

interface RawResponse {
  status: number
  contentType: string
  body: Buffer
}

/** Spans recorded by the real SDK: an agent run with an LLM call, a tool call and a failure. */
function recordAgentRun(): ReadableSpan[] {
  const memory = new InMemorySpanExporter()
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-agent', 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  })
  const tracer = provider.getTracer('continua-otlp-test', '0.0.1')
  const root = tracer.startSpan('invoke_agent planner', {
    kind: SpanKind.INTERNAL,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.conversation.id': 'sdk-conv-1', 'user.id': 'sdk-user' },
  })
  const inRoot = trace.setSpan(context.active(), root)
  const chat = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.output_tokens': 200,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'plan a trip' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Day 1: Paris' }] }]),
        'big.int': 123456789,
        tags: ['a', 'b'],
      },
    },
    inRoot,
  )
  chat.addEvent('cache.miss', { key: 'k1' })
  chat.end()
  const tool = tracer.startSpan(
    'execute_tool search',
    { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.arguments': '{"q":"paris"}' } },
    inRoot,
  )
  tool.recordException(new RangeError('search backend down'))
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'search backend down' })
  tool.end()
  root.addLink({ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }, attributes: { 'link.reason': 'retry-of' } })
  root.end()
  return memory.getFinishedSpans()
}

function exportWith(exporter: ProtoExporter | JsonExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, (result) => resolve(result)))
}

describe('POST /v1/traces', () => {
  let t: TestDatabase
  let server: TestServer
  const projects: Record<string, { id: string; key: string }> = {}
  const ADMIN = 'admin-token-for-otlp-tests'

  before(async () => {
    t = await createTestDatabase()
    server = await startTestServer(t.db, { adminToken: ADMIN })
    for (const name of ['proto', 'json', 'misc', 'edge']) {
      const p = await createProject(t.db, `otlp-${name}`)
      projects[name] = { id: p.id, key: p.api_key }
    }
  })
  after(async () => {
    await server.close()
    await t.drop()
  })

  const post = async (path: string, body: Buffer | string, headers: Record<string, string>, key = projects.misc!.key): Promise<RawResponse> => {
    const res = await fetch(server.url + path, { method: 'POST', headers: { 'x-api-key': key, ...headers }, body })
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) }
  }
  const jsonOf = (r: RawResponse) => JSON.parse(r.body.toString('utf8'))
  const spanRows = async (projectId: string) =>
    (
      await t.pool.query(
        `select s.*, t.trace_id as trace_ext from spans s join traces t on t.id = s.trace_id where s.project_id = $1 order by s.span_id`,
        [projectId],
      )
    ).rows
  const eventRows = async (projectId: string) =>
    (await t.pool.query(`select * from span_events where project_id = $1 order by span_id, sequence`, [projectId])).rows
  const count = async (table: string, projectId: string) => Number((await t.pool.query(`select count(*) from ${table} where project_id = $1`, [projectId])).rows[0].count)

  it('stores what the official SDK exports through the protobuf exporter (gzip), mapped to Continua fields', async () => {
    const spans = recordAgentRun()
    const exporter = new ProtoExporter({ url: `${server.url}/v1/traces`, headers: { 'x-api-key': projects.proto!.key }, compression: CompressionAlgorithm.GZIP })
    const result = await exportWith(exporter, spans)
    assert.equal(result.code, 0, String(result.error))
    await exporter.shutdown()

    const rows = await spanRows(projects.proto!.id)
    assert.equal(rows.length, 3)
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]))
    const root = byName['invoke_agent planner']
    const chat = byName['chat gpt-4o-mini']
    const tool = byName['execute_tool search']
    assert.equal(root.type, 'agent')
    assert.equal(root.parent_span_id, null)
    assert.equal(chat.parent_span_id, root.span_id)
    assert.match(root.span_id, /^[0-9a-f]{16}$/)
    assert.match(root.trace_ext, /^[0-9a-f]{32}$/)
    assert.equal(chat.type, 'llm')
    assert.equal(chat.model, 'gpt-4o-mini')
    assert.equal(chat.provider, 'openai')
    assert.equal(Number(chat.prompt_tokens), 1000)
    assert.equal(Number(chat.completion_tokens), 200)
    assert.ok(Number(chat.total_cost) > 0, 'cost derived from the price table when the span sends none')
    assert.equal(chat.cost_source, 'price_table')
    assert.deepEqual(chat.output, [{ role: 'assistant', parts: [{ type: 'text', content: 'Day 1: Paris' }] }])
    assert.equal(chat.status, 'completed')
    assert.equal(chat.otel.kind, 'client')
    assert.equal(chat.otel.attributes['big.int'], 123456789)
    assert.deepEqual(chat.otel.attributes.tags, ['a', 'b'])
    assert.equal(chat.otel.resource.attributes['service.name'], 'sdk-agent')
    assert.equal(chat.otel.scope.name, 'continua-otlp-test')
    assert.equal(tool.type, 'tool')
    assert.equal(tool.status, 'failed')
    assert.equal(tool.status_message, 'search backend down')
    assert.deepEqual(tool.input, { q: 'paris' })
    assert.deepEqual(root.otel.links, [
      { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_state: '', attributes: { 'link.reason': 'retry-of' }, flags: root.otel.links[0].flags, dropped_attributes_count: 0 },
    ])

    const events = await eventRows(projects.proto!.id)
    const exception = events.find((e) => e.event_type === 'exception')
    assert.equal(exception.span_id, tool.span_id)
    assert.equal(exception.payload.exception_type, 'RangeError')
    assert.equal(exception.message, 'search backend down')
    assert.match(exception.payload.traceback, /RangeError: search backend down/)
    const custom = events.find((e) => e.span_id === chat.span_id)
    assert.equal(custom.event_type, 'custom')
    assert.equal(custom.message, 'cache.miss')

    const traceRow = (await t.pool.query(`select t.*, s.external_id as session_ext from traces t left join sessions s on s.id = t.session_id where t.project_id = $1`, [projects.proto!.id])).rows[0]
    assert.equal(traceRow.name, 'invoke_agent planner')
    assert.equal(traceRow.session_ext, 'sdk-conv-1')
    assert.equal(traceRow.user_id, 'sdk-user')
    assert.equal(traceRow.environment, 'test')
  })

  it('stores the same rows from the JSON exporter as from the protobuf one (parity), and retries add nothing', async () => {
    const spans = recordAgentRun()
    const proto = new ProtoExporter({ url: `${server.url}/v1/traces`, headers: { 'x-api-key': projects.edge!.key } })
    const json = new JsonExporter({ url: `${server.url}/v1/traces`, headers: { 'x-api-key': projects.json!.key } })
    assert.equal((await exportWith(proto, spans)).code, 0)
    assert.equal((await exportWith(json, spans)).code, 0)

    const volatile = ['id', 'project_id', 'trace_id', 'created_at', 'updated_at', 'server_received_at', 'change_seq', 'first_change_seq', 'server_ingested_at']
    const strip = (rows: any[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !volatile.includes(k))))
    const protoSpans = strip(await spanRows(projects.edge!.id))
    const jsonSpans = strip(await spanRows(projects.json!.id))
    assert.equal(protoSpans.length, 3)
    assert.deepEqual(jsonSpans, protoSpans)
    assert.deepEqual(strip(await eventRows(projects.json!.id)), strip(await eventRows(projects.edge!.id)))

    // An exporter retry (same spans, either encoding) is a no-op.
    assert.equal((await exportWith(json, spans)).code, 0)
    assert.equal((await exportWith(new ProtoExporter({ url: `${server.url}/v1/traces`, headers: { 'x-api-key': projects.json!.key } }), spans)).code, 0)
    assert.equal(await count('spans', projects.json!.id), 3)
    assert.equal(await count('span_events', projects.json!.id), 2)
    await proto.shutdown()
    await json.shutdown()
  })

  it('stores racing copies of one export once', async () => {
    const body = encodeProtobufTraceRequest(toProtobufObject(otlpJson(genaiNew.map((s) => ({ ...s, traceId: 'cdf92f3577b34da6a3ce929d0e0e4736' })))))
    const results = await Promise.all(Array.from({ length: 12 }, () => post('/v1/traces', body, { 'content-type': 'application/x-protobuf' }, projects.json!.key)))
    assert.deepEqual(results.map((r) => r.status), Array(12).fill(200))
    const rows = (await spanRows(projects.json!.id)).filter((r) => r.trace_ext === 'cdf92f3577b34da6a3ce929d0e0e4736')
    assert.equal(rows.length, 3)
  })

  it('reads the specification example with bare-number timestamps and answers {} as JSON', async () => {
    const res = await post('/v1/traces', readFixture('spec-trace.json'), { 'content-type': 'application/json; charset=utf-8' })
    assert.equal(res.status, 200)
    assert.match(res.contentType, /^application\/json/)
    assert.deepEqual(jsonOf(res), {})
    const row = (await spanRows(projects.misc!.id)).find((r) => r.span_id === 'eee19b7ec3c1b174')
    assert.equal(row.name, "I'm a server span")
    assert.equal(row.parent_span_id, 'eee19b7ec3c1b173')
    assert.equal(row.start_time.toISOString(), '2018-12-13T14:51:00.000Z')
    assert.equal(row.end_time.toISOString(), '2018-12-13T14:51:01.000Z')
    assert.equal(row.otel.kind, 'server')
    assert.equal(row.otel.scope.version, '1.0.0')
  })

  it('keeps nanoseconds above 2^53 exact from a bare JSON number', async () => {
    const res = await post('/v1/traces', readFixture('browser-lenient.json'), { 'content-type': 'application/json' })
    assert.equal(res.status, 200, res.body.toString())
    const row = (await spanRows(projects.misc!.id)).find((r) => r.span_id === 'eee19b7ec3c1b174' && r.trace_ext === '5b8efff798038103d269b633813fc60c' && r.name === 'fetch /api/chat')
    assert.equal(row.otel.start_time_unix_nano, '1544712660123456789')
    assert.equal(row.otel.attributes['big.counter'], '9007199254740993')
    assert.equal(row.status, 'failed')
  })

  it('accepts gzip and deflate bodies', async () => {
    const body = JSON.stringify(otlpJson(genaiOld))
    const gz = await post('/v1/traces', zlib.gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    assert.equal(gz.status, 200, gz.body.toString())
    const pb = encodeProtobufTraceRequest(toProtobufObject(otlpJson(openInference)))
    const df = await post('/v1/traces', zlib.deflateSync(pb), { 'content-type': 'application/x-protobuf', 'content-encoding': 'deflate' })
    assert.equal(df.status, 200)
    assert.equal(df.contentType, 'application/x-protobuf')
    assert.equal(df.body.length, 0, 'full success is an empty ExportTraceServiceResponse')
    const rows = await spanRows(projects.misc!.id)
    const llm = rows.find((r) => r.span_id === '20f067aa0ba902b7')
    assert.equal(llm.model, 'gpt-4o-mini')
    assert.equal(Number(llm.cache_read_tokens), 16)
    const old = rows.find((r) => r.span_id === '10f067aa0ba902b8')
    assert.equal(old.provider, 'anthropic')
    assert.equal(Number(old.cache_write_tokens), 5)
  })

  it('refuses a gzip bomb with 413 while inflating, and stores nothing', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 })
    assert.ok(bomb.length < 200 * 1024)
    const before = await count('spans', projects.edge!.id)
    const res = await post('/v1/traces', bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, projects.edge!.key)
    assert.equal(res.status, 413)
    assert.equal(res.contentType, 'application/x-protobuf')
    const status = decodeRpcStatus(res.body)
    assert.equal(status.code, 8)
    assert.match(status.message, /5242880 byte limit/)
    const asJson = await post('/v1/traces', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, projects.edge!.key)
    assert.equal(asJson.status, 413)
    assert.equal(jsonOf(asJson).code, 'payload_too_large')
    assert.equal(await count('spans', projects.edge!.id), before)
  })

  it('refuses an uncompressed body over the cap with 413', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 1, 0x20)
    const res = await post('/v1/traces', big, { 'content-type': 'application/json' })
    assert.equal(res.status, 413)
    assert.equal(jsonOf(res).code, 'payload_too_large')
  })

  it('refuses more than 10,000 spans in one export with 413', async () => {
    const span = (i: number) => ({ traceId: 'fbf92f3577b34da6a3ce929d0e0e4736', spanId: i.toString(16).padStart(16, '1'), name: 's', startTimeUnixNano: '1' })
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 10_001 }, (_, i) => span(i)) }] }] })
    const res = await post('/v1/traces', body, { 'content-type': 'application/json' })
    assert.equal(res.status, 413)
    assert.match(jsonOf(res).message, /10001 spans; at most 10000/)
  })

  it('answers 415 for other content types and encodings', async () => {
    const text = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' })
    assert.equal(text.status, 415)
    assert.equal(jsonOf(text).code, 'unsupported_media_type')
    const br = await post('/v1/traces', '{}', { 'content-type': 'application/json', 'content-encoding': 'br' })
    assert.equal(br.status, 415)
    assert.match(jsonOf(br).message, /Content-Encoding br/)
  })

  it('stores the good spans of a batch with one invalid span and reports partial success', async () => {
    const spans = [...genaiNew, { traceId: 'zz', spanId: '00f067aa0ba902ff', name: 'broken', start: 1n }]
    const res = await post('/v1/traces', JSON.stringify(otlpJson(spans)), { 'content-type': 'application/json' }, projects.edge!.key)
    assert.equal(res.status, 200)
    const body = jsonOf(res)
    assert.equal(body.partialSuccess.rejectedSpans, '1')
    assert.match(body.partialSuccess.errorMessage, /trace_id/)
    const stored = (await spanRows(projects.edge!.id)).filter((r) => r.trace_ext === genaiNew[0]!.traceId)
    assert.equal(stored.length, 3)

    const pb = encodeProtobufTraceRequest(toProtobufObject(otlpJson([...genaiOld, { traceId: genaiOld[0]!.traceId, spanId: '', name: 'no id', start: 1n }])))
    const res2 = await post('/v1/traces', pb, { 'content-type': 'application/x-protobuf' }, projects.edge!.key)
    assert.equal(res2.status, 200)
    assert.deepEqual(decodeProtobufTraceResponse(res2.body), { partialSuccess: { rejectedSpans: 1, errorMessage: 'span "no id": span_id is missing' } })
  })

  it('is idempotent on (trace_id, span_id): a re-export with changed content updates the span and does not repeat its events', async () => {
    const { eventCarriers } = await import('./fixtures.js')
    const first = await post('/v1/traces', JSON.stringify(otlpJson(eventCarriers)), { 'content-type': 'application/json' }, projects.edge!.key)
    assert.equal(first.status, 200)
    const changed = eventCarriers.map((s) => ({ ...s, attributes: { ...s.attributes, 'gen_ai.usage.input_tokens': 77 } }))
    const second = await post('/v1/traces', JSON.stringify(otlpJson(changed)), { 'content-type': 'application/json' }, projects.edge!.key)
    assert.equal(second.status, 200, second.body.toString())
    assert.deepEqual(jsonOf(second), {})
    const rows = (await spanRows(projects.edge!.id)).filter((r) => r.span_id === eventCarriers[0]!.spanId)
    assert.equal(rows.length, 1)
    assert.equal(Number(rows[0].prompt_tokens), 77)
    const events = (await eventRows(projects.edge!.id)).filter((e) => e.span_id === eventCarriers[0]!.spanId)
    assert.equal(events.length, 6)
  })

  it('stores a large message attribute once: in the span input (original kept), with a marker in otel', async () => {
    const long = 'x'.repeat(100 * 1024)
    const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: long }] }])
    const spans = [{ traceId: 'dbf92f3577b34da6a3ce929d0e0e4736', spanId: 'd0f067aa0ba902b7', name: 'big chat', start: 1_767_225_600_000_000_000n, end: 1_767_225_601_000_000_000n, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': messages } }]
    const res = await post('/v1/traces', JSON.stringify(otlpJson(spans)), { 'content-type': 'application/json' }, projects.edge!.key)
    assert.equal(res.status, 200, res.body.toString())
    const row = (await spanRows(projects.edge!.id)).find((r) => r.span_id === 'd0f067aa0ba902b7')
    assert.equal(row.otel.attributes['gen_ai.input.messages'], `[moved to span input: ${Buffer.byteLength(messages)} bytes]`)
    assert.deepEqual(row.otel.moved_attributes, { 'gen_ai.input.messages': 'input' })
    assert.equal(row.input_truncated, true)
    const original = (await t.pool.query(`select byte_size from payload_originals where owner_id = $1 and field = 'input'`, [row.id])).rows[0]
    assert.ok(original.byte_size >= Buffer.byteLength(messages), 'the full input is kept as an original')
  })

  it('survives absurdly nested values (JSON, protobuf, JSON-in-a-string, flattened keys) without a 5xx', async () => {
    // Built as text: JSON.stringify itself cannot nest this deep.
    const deepText = '{"arrayValue":{"values":['.repeat(10_000) + '{"stringValue":"bottom"}' + ']}}'.repeat(10_000)
    let shallower: any = { stringValue: 'bottom' }
    for (let i = 0; i < 500; i++) shallower = { kvlistValue: { values: [{ key: 'k', value: shallower }] } }
    const spanWith = (spanId: string, extra: object[]) => ({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'aaf92f3577b34da6a3ce929d0e0e4736',
                  spanId,
                  name: 'deep',
                  startTimeUnixNano: '1767225600000000000',
                  attributes: [
                    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                    { key: 'gen_ai.input.messages', value: { stringValue: '['.repeat(100_000) + ']'.repeat(100_000) } },
                    { key: 'gen_ai.prompt.0.' + 'a.'.repeat(50_000) + 'role', value: { stringValue: 'user' } },
                    ...extra,
                  ],
                },
              ],
            },
          ],
        },
      ],
    })
    const jsBody = JSON.stringify(spanWith('a0f067aa0ba90201', [{ key: 'deep', value: 'DEEP' }])).replace('"DEEP"', deepText)
    const js = await post('/v1/traces', jsBody, { 'content-type': 'application/json' }, projects.edge!.key)
    assert.equal(js.status, 200, js.body.toString().slice(0, 300))
    const pb = encodeProtobufTraceRequest(toProtobufObject(spanWith('a0f067aa0ba90202', [{ key: 'deep', value: shallower }])))
    const proto = await post('/v1/traces', pb, { 'content-type': 'application/x-protobuf' }, projects.edge!.key)
    assert.ok(proto.status === 200 || proto.status === 400, `status ${proto.status}`)
    const rows = (await spanRows(projects.edge!.id)).filter((r) => r.name === 'deep')
    assert.ok(rows.length >= 1)
    const row = rows.find((r) => r.span_id === 'a0f067aa0ba90201')
    assert.match(JSON.stringify(row.otel.attributes.deep), /nested deeper than 32 levels/)
    assert.equal(typeof row.input, 'string', 'over-deep JSON text stays text')
  })

  it('shows a Logfire span as running from its pending twin, then completed when it ends', async () => {
    const trace = 'fdf92f3577b34da6a3ce929d0e0e4736'
    const start = 1_767_225_600_000_000_000n
    const twin = { traceId: trace, spanId: 'f1f067aa0ba90299', parentSpanId: 'f1f067aa0ba90201', name: 'long step', start, end: start, attributes: { 'logfire.span_type': 'pending_span', 'logfire.pending_parent_id': '0000000000000000' } }
    const first = await post('/v1/traces', JSON.stringify(otlpJson([twin])), { 'content-type': 'application/json' }, projects.edge!.key)
    assert.equal(first.status, 200)
    const running = (await spanRows(projects.edge!.id)).filter((r) => r.trace_ext === trace)
    assert.deepEqual(running.map((r) => [r.span_id, r.status, r.parent_span_id]), [['f1f067aa0ba90201', 'running', null]])
    const real = { traceId: trace, spanId: 'f1f067aa0ba90201', name: 'long step', start, end: start + 3_000_000_000n }
    await post('/v1/traces', JSON.stringify(otlpJson([real])), { 'content-type': 'application/json' }, projects.edge!.key)
    // a late duplicate of the twin must not reopen it
    await post('/v1/traces', JSON.stringify(otlpJson([{ ...twin, name: 'long step ' }])), { 'content-type': 'application/json' }, projects.edge!.key)
    const done = (await spanRows(projects.edge!.id)).filter((r) => r.trace_ext === trace)
    assert.equal(done.length, 1)
    assert.equal(done[0].status, 'completed')
    assert.equal(done[0].end_time.toISOString(), '2026-01-01T00:00:03.000Z')
  })

  it('answers undecodable bodies with 400 in the request encoding', async () => {
    const pb = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), { 'content-type': 'application/x-protobuf' })
    assert.equal(pb.status, 400)
    assert.equal(decodeRpcStatus(pb.body).code, 3)
    const js = await post('/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' })
    assert.equal(js.status, 400)
    assert.equal(jsonOf(js).code, 'invalid_json')
    const empty = await post('/v1/traces', Buffer.alloc(0), {})
    assert.equal(empty.status, 200, 'an empty protobuf request is a valid empty export')
  })

  it('requires a project API key (X-API-Key or Bearer), also under /api/otel', async () => {
    const res = await fetch(server.url + '/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    assert.equal(res.status, 401)
    const bad = await post('/v1/traces', '{}', { 'content-type': 'application/json' }, 'ck_not_a_key')
    assert.equal(bad.status, 401)
    const bearer = await fetch(server.url + '/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${projects.misc!.key}` }, body: '{}' })
    assert.equal(bearer.status, 200)
    const operator = await fetch(server.url + `/v1/traces?project_id=${projects.misc!.id}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: '{}' })
    assert.equal(operator.status, 403, 'an operator token names no project: OTLP, like /v1/ingest, needs an API key')
    assert.equal((await operator.json()).code, 'api_key_required')
    const alias = await fetch(server.url + '/api/otel/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': projects.misc!.key }, body: '{}' })
    assert.equal(alias.status, 200)
  })

  it('accepts and discards /v1/metrics and /v1/logs in either encoding', async () => {
    for (const path of ['/v1/metrics', '/v1/logs']) {
      const js = await post(path, '{"resourceMetrics":[]}', { 'content-type': 'application/json' })
      assert.equal(js.status, 200)
      assert.deepEqual(jsonOf(js), {})
      const pb = await post(path, Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' })
      assert.equal(pb.status, 200)
      assert.equal(pb.contentType, 'application/x-protobuf')
      assert.equal(pb.body.length, 0)
    }
  })
})
