import http from 'node:http'
import type { AddressInfo } from 'node:net'

// Local stand-ins for the OpenAI and Anthropic HTTP APIs, answering in their real wire shapes
// (chat completions with and without SSE streaming, the Messages API), so the real client
// libraries can be exercised with no network.

export interface FakeLlm {
  url: string
  requests: Array<{ path: string; body: any }>
  close(): Promise<void>
}

function chatCompletion(body: any) {
  const wantsTool = Array.isArray(body.tools) && body.tools.length > 0 && !body.messages.some((m: any) => m.role === 'tool')
  const message = wantsTool
    ? { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: body.tools[0].function.name, arguments: '{"city":"Paris"}' } }] }
    : { role: 'assistant', content: 'It is sunny in Paris.', refusal: null }
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: `${body.model}-2024-07-18`,
    choices: [{ index: 0, message, logprobs: null, finish_reason: wantsTool ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49, prompt_tokens_details: { cached_tokens: 10 }, completion_tokens_details: { reasoning_tokens: 2 } },
  }
}

function streamChunks(body: any): unknown[] {
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model }
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { content: 'Sunny ' }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { content: 'in Paris.' }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: { prompt_tokens: 30, completion_tokens: 4, total_tokens: 34 } },
  ]
}

function response(body: any) {
  return {
    id: 'resp_fake',
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model: body.model,
    output: [
      { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Looking it up.', annotations: [] }] },
      { type: 'function_call', id: 'fc_1', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}', status: 'completed' },
    ],
    usage: { input_tokens: 21, output_tokens: 8, total_tokens: 29, input_tokens_details: { cached_tokens: 4 }, output_tokens_details: { reasoning_tokens: 3 } },
  }
}

function anthropicMessage(body: any) {
  const wantsTool = Array.isArray(body.tools) && body.tools.length > 0
  const content: unknown[] = [{ type: 'text', text: 'Let me check the weather.' }]
  if (wantsTool) content.push({ type: 'tool_use', id: 'toolu_1', name: body.tools[0].name, input: { city: 'Paris' } })
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: wantsTool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 50, cache_creation_input_tokens: 25 },
  }
}

function anthropicEvents(body: any): Array<{ type: string; [k: string]: unknown }> {
  return [
    { type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 60, output_tokens: 1, cache_read_input_tokens: 30, cache_creation_input_tokens: 0 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking ' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'the weather.' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_s', name: 'get_weather', input: {} } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Rome"}' } },
    { type: 'content_block_stop', index: 1 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 15 } },
    { type: 'message_stop' },
  ]
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const fake: FakeLlm = { url: '', requests: [], close: async () => {} }
  const server = http.createServer(async (req, res) => {
    let raw = ''
    for await (const c of req) raw += c
    const body = raw ? JSON.parse(raw) : {}
    const path = (req.url ?? '').split('?')[0]!
    fake.requests.push({ path, body })
    if (path === '/v1/messages' && body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const event of anthropicEvents(body)) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
      return res.end()
    }
    if (path === '/v1/chat/completions' && body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const chunk of streamChunks(body)) res.write(`data: ${JSON.stringify(chunk)}\n\n`)
      return res.end('data: [DONE]\n\n')
    }
    const answer =
      path === '/v1/chat/completions' ? chatCompletion(body) : path === '/v1/messages' ? anthropicMessage(body) : path === '/v1/responses' ? response(body) : undefined
    if (!answer) {
      res.writeHead(404, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ error: { message: `no fake for ${path}` } }))
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.close = () => new Promise((r) => (server.closeAllConnections(), server.close(() => r())))
  return fake
}
