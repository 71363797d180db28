import type { IngestRequest } from '../contract/ingest.js'
import { SEED_EPOCH, TraceBuilder, ts } from './builder.js'

// The demo data set: a travel agent planning, failing and recovering; a baseline/candidate pair
// that differs in one decision and one tool call; and one long trace for scale. Fixed ids and
// times make every run produce the same batches, so a second `continua seed` is all duplicates.

export const SEED_VERSION = 'v1'
const key = (name: string) => `demo-seed-${SEED_VERSION}:${name}`
const MIN = 60_000
const HOUR = 60 * MIN

export interface DemoTrace {
  trace_id: string
  session_id: string
  batches: IngestRequest[]
}

const SESSIONS = {
  trip: { session_id: 'demo-session-trip', name: 'Weekend in Lisbon', user_id: 'ada', metadata: { channel: 'chat' } },
  compare: { session_id: 'demo-session-compare', name: 'Prompt change: research agent', user_id: 'grace', metadata: { experiment: 'prompt-v2' } },
  scale: { session_id: 'demo-session-scale', name: 'Nightly batch enrichment', user_id: 'linus', metadata: { schedule: 'nightly' } },
}

/** The first trip run: plan → LLM → tool that fails and is retried → answer; every event kind. */
function tripPlan(): DemoTrace {
  const t0 = 0
  const b = new TraceBuilder({
    trace_id: 'demo-trip-plan',
    session_id: SESSIONS.trip.session_id,
    name: 'plan weekend trip',
    user_id: 'ada',
    tags: ['demo', 'travel'],
    environment: 'demo',
    release: '2026.01.1',
    input: { request: 'Plan a weekend in Lisbon for two, mid-range budget' },
    output: { itinerary: ['Alfama walk', 'Belém', 'LX Factory'], flights: 'TP1351', hotel: 'Memmo Alfama' },
    status: 'completed',
    start_time: ts(t0),
    end_time: ts(t0 + 41_000),
    metadata: { agent: 'travel-planner', version: '1.4.0' },
  })
  const root = b.span({ span_id: 'trip-plan-root', name: 'travel_agent', type: 'agent', start: 0, end: 41_000, input: { goal: 'weekend in Lisbon' } })
  b.event(root, 100, { event_type: 'snapshot_marker', payload: { marker_kind: 'phase', label: 'planning' } })
  b.event(root, 150, { event_type: 'state_change', payload: { namespace: 'trip', key: 'destination', old_value: null, new_value: 'Lisbon' } })
  const plan = b.span({
    span_id: 'trip-plan-llm-plan', parent_span_id: root, name: 'plan_steps', type: 'llm', start: 200, end: 3_400,
    model: 'gpt-4o', provider: 'openai', prompt_tokens: 812, completion_tokens: 164, total_cost: '0.00367',
    input: { messages: [{ role: 'system', content: 'You are a travel planner.' }, { role: 'user', content: 'Weekend in Lisbon for two' }] },
    output: { steps: ['search flights', 'check weather', 'find hotel', 'write itinerary'] },
  })
  b.event(plan, 3_300, { event_type: 'decision', payload: { question: 'Which flight search tool?', chosen: 'flights_api', alternatives: ['flights_api', 'web_search'], reasoning: 'structured prices' } })
  b.event(plan, 3_350, { event_type: 'message', message: 'Plan ready: 4 steps' })
  // The tool call fails once (timeout) and succeeds on retry.
  const s1 = b.span({ span_id: 'trip-plan-flights-1', parent_span_id: root, name: 'search_flights', type: 'tool', start: 3_500, end: 13_500, status: 'failed', status_message: 'upstream timeout after 10s', input: { from: 'LHR', to: 'LIS', date: '2026-01-16' } })
  b.event(s1, 13_500, { event_type: 'exception', level: 'error', payload: { exception_type: 'TimeoutError', exception_message: 'upstream timeout after 10s', traceback: 'at searchFlights (tools/flights.ts:42)' } })
  b.event(s1, 13_510, { event_type: 'effect', payload: { effect_kind: 'api_call', effect_id: 'flights-search-lis', has_external_side_effect: false, idempotent: true } })
  const s2 = b.span({ span_id: 'trip-plan-flights-2', parent_span_id: root, name: 'search_flights', type: 'tool', start: 14_000, end: 15_900, input: { from: 'LHR', to: 'LIS', date: '2026-01-16' }, output: { best: { flight: 'TP1351', price_eur: 142 } }, metadata: { attempt: 2 } })
  b.event(s2, 14_000, { event_type: 'log', level: 'warning', message: 'retrying search_flights (attempt 2 of 3)' })
  b.event(s2, 15_900, { event_type: 'effect', payload: { effect_kind: 'api_call', effect_id: 'flights-search-lis-2', has_external_side_effect: false, idempotent: true } })
  const weather = b.span({ span_id: 'trip-plan-weather', parent_span_id: root, name: 'get_weather', type: 'tool', start: 16_000, end: 16_800, input: { city: 'Lisbon' }, output: { forecast: 'sunny', high_c: 17 } })
  b.event(weather, 16_800, { event_type: 'metric', payload: { metric_name: 'tool_latency_ms', metric_value: 800, metric_unit: 'ms' } })
  const docs = b.span({ span_id: 'trip-plan-retrieve', parent_span_id: root, name: 'retrieve_guides', type: 'retrieval', start: 17_000, end: 17_600, input: { query: 'Lisbon neighbourhoods' }, output: { documents: 5 } })
  b.event(docs, 17_600, { event_type: 'custom', payload: { kind: 'retrieval_scores', top: [0.91, 0.88, 0.84] } })
  const approve = b.span({ span_id: 'trip-plan-approval', parent_span_id: root, name: 'await_user_approval', type: 'default', start: 18_000, end: 32_000 })
  b.event(approve, 18_000, { event_type: 'wait', payload: { wait_kind: 'human_approval', phase: 'entered', wait_id: 'approve-flight' } })
  b.event(approve, 32_000, { event_type: 'wait', payload: { wait_kind: 'human_approval', phase: 'resolved', wait_id: 'approve-flight', resolution: 'approved' } })
  const write = b.span({
    span_id: 'trip-plan-llm-write', parent_span_id: root, name: 'write_itinerary', type: 'llm', start: 32_500, end: 40_500,
    model: 'gpt-4o-mini', provider: 'openai', prompt_tokens: 2_410, completion_tokens: 655, cache_read_tokens: 1_024,
    output: { text: 'Day 1: Alfama and Castelo… Day 2: Belém and LX Factory…' },
  })
  b.event(write, 40_500, { event_type: 'error', level: 'error', message: 'itinerary exceeded 600 tokens; trimmed' })
  b.event(root, 40_900, { event_type: 'state_change', payload: { namespace: 'trip', key: 'status', old_value: 'planning', new_value: 'planned' } })
  return { trace_id: b.trace.trace_id, session_id: SESSIONS.trip.session_id, batches: b.batches(key('trip-plan'), [SESSIONS.trip]) }
}

/** The booking fails: the hotel API refuses the card. */
function tripBookingFailed(): DemoTrace {
  const t0 = 5 * MIN
  const b = new TraceBuilder({
    trace_id: 'demo-trip-book', session_id: SESSIONS.trip.session_id, name: 'book hotel', user_id: 'ada', tags: ['demo', 'travel'],
    status: 'failed', start_time: ts(t0), end_time: ts(t0 + 9_000), input: { hotel: 'Memmo Alfama', nights: 2 },
  })
  const root = b.span({ span_id: 'trip-book-root', name: 'booking_agent', type: 'agent', start: t0, end: t0 + 9_000, status: 'failed', status_message: 'payment declined' })
  const llm = b.span({ span_id: 'trip-book-llm', parent_span_id: root, name: 'prepare_booking', type: 'llm', start: t0 + 100, end: t0 + 2_100, model: 'claude-sonnet-4', provider: 'anthropic', prompt_tokens: 950, completion_tokens: 120 })
  b.event(llm, t0 + 2_000, { event_type: 'decision', payload: { question: 'Which payment method?', chosen: 'saved_card', alternatives: ['saved_card', 'ask_user'] } })
  const pay = b.span({ span_id: 'trip-book-pay', parent_span_id: root, name: 'charge_card', type: 'tool', start: t0 + 2_500, end: t0 + 8_800, status: 'failed', status_message: 'card_declined (do_not_honor)', input: { amount_eur: 318, card: '**** 4242' } })
  b.event(pay, t0 + 2_500, { event_type: 'effect', payload: { effect_kind: 'api_call', effect_id: 'charge-memmo-1', has_external_side_effect: true, idempotent: false, idempotency_key: 'book-memmo-2026-01-16' } })
  b.event(pay, t0 + 8_800, { event_type: 'exception', level: 'error', payload: { exception_type: 'PaymentDeclined', exception_message: 'card_declined (do_not_honor)' } })
  return { trace_id: b.trace.trace_id, session_id: SESSIONS.trip.session_id, batches: b.batches(key('trip-book'), undefined) }
}

/** The recovery: asks the user for another card, books, and links back to the failed run. */
function tripBookingRecovered(): DemoTrace {
  const t0 = 12 * MIN
  const b = new TraceBuilder({
    trace_id: 'demo-trip-book-retry', session_id: SESSIONS.trip.session_id, name: 'book hotel (retry)', user_id: 'ada', tags: ['demo', 'travel'],
    status: 'completed', start_time: ts(t0), end_time: ts(t0 + 70_000), output: { confirmation: 'MEM-77812' },
    metadata: { __continua_lineage: { parent_trace_id: 'demo-trip-book', trigger_span_id: 'trip-book-pay', link_kind: 'retry' } },
  })
  const root = b.span({ span_id: 'trip-retry-root', name: 'booking_agent', type: 'agent', start: t0, end: t0 + 70_000 })
  const ask = b.span({ span_id: 'trip-retry-ask', parent_span_id: root, name: 'ask_user_for_card', type: 'tool', start: t0 + 200, end: t0 + 60_000 })
  b.event(ask, t0 + 200, { event_type: 'wait', payload: { wait_kind: 'human_input', phase: 'entered', wait_id: 'new-card' } })
  b.event(ask, t0 + 60_000, { event_type: 'wait', payload: { wait_kind: 'human_input', phase: 'resolved', wait_id: 'new-card', resolution: 'provided' } })
  const pay = b.span({ span_id: 'trip-retry-pay', parent_span_id: root, name: 'charge_card', type: 'tool', start: t0 + 60_500, end: t0 + 62_000, input: { amount_eur: 318, card: '**** 1881' }, output: { status: 'captured' } })
  b.event(pay, t0 + 60_500, { event_type: 'effect', payload: { effect_kind: 'api_call', effect_id: 'charge-memmo-2', has_external_side_effect: true, idempotent: false, idempotency_key: 'book-memmo-2026-01-16-r1' } })
  const confirm = b.span({ span_id: 'trip-retry-confirm', parent_span_id: root, name: 'confirm_booking', type: 'llm', start: t0 + 62_500, end: t0 + 69_500, model: 'gpt-4o-mini', provider: 'openai', prompt_tokens: 400, completion_tokens: 90, total_cost: '0.000114' })
  b.event(confirm, t0 + 69_500, { event_type: 'message', message: 'Booked Memmo Alfama, confirmation MEM-77812' })
  return { trace_id: b.trace.trace_id, session_id: SESSIONS.trip.session_id, batches: b.batches(key('trip-book-retry'), undefined) }
}

/** A research run; the candidate differs in one decision (web vs docs) and so in one tool call. */
function researchRun(variant: 'baseline' | 'candidate'): DemoTrace {
  const t0 = variant === 'baseline' ? 2 * HOUR : 2 * HOUR + 10 * MIN
  const p = `research-${variant}`
  const web = variant === 'candidate'
  const b = new TraceBuilder({
    trace_id: `demo-research-${variant}`, session_id: SESSIONS.compare.session_id, name: 'answer research question', user_id: 'grace',
    tags: ['demo', 'compare', variant], status: 'completed', start_time: ts(t0), end_time: ts(t0 + 12_000),
    input: { question: 'What changed in the EU AI Act timeline in 2025?' }, metadata: { prompt_version: web ? 'v2' : 'v1' },
  })
  const root = b.span({ span_id: `${p}-root`, name: 'research_agent', type: 'agent', start: t0, end: t0 + 12_000 })
  const plan = b.span({ span_id: `${p}-plan`, parent_span_id: root, name: 'choose_source', type: 'llm', start: t0 + 100, end: t0 + 1_900, model: 'gpt-4.1', provider: 'openai', prompt_tokens: 600, completion_tokens: 48, input: { prompt_version: web ? 'v2' : 'v1' } })
  b.event(plan, t0 + 1_800, { event_type: 'decision', payload: { question: 'Where should the answer come from?', chosen: web ? 'web_search' : 'internal_docs', alternatives: ['internal_docs', 'web_search'], reasoning: web ? 'recent events need fresh sources' : 'docs are curated' } })
  const tool = b.span({
    span_id: `${p}-search`, parent_span_id: root, name: web ? 'search_web' : 'search_docs', type: 'tool', start: t0 + 2_000, end: t0 + (web ? 5_500 : 3_000),
    input: { query: 'EU AI Act timeline 2025' }, output: { results: web ? 8 : 3 },
  })
  b.event(tool, t0 + 2_000, { event_type: 'effect', payload: { effect_kind: 'tool_call', effect_id: web ? 'search-web-1' : 'search-docs-1', has_external_side_effect: false, idempotent: true } })
  const read = b.span({ span_id: `${p}-read`, parent_span_id: root, name: 'read_sources', type: 'retrieval', start: t0 + 6_000, end: t0 + 7_000, output: { passages: 12 } })
  b.event(read, t0 + 7_000, { event_type: 'metric', payload: { metric_name: 'passages', metric_value: 12 } })
  b.span({
    span_id: `${p}-answer`, parent_span_id: root, name: 'write_answer', type: 'llm', start: t0 + 7_200, end: t0 + 11_800, model: 'gpt-4.1', provider: 'openai',
    prompt_tokens: web ? 3_900 : 2_700, completion_tokens: 410, output: { answer: web ? 'Obligations for GPAI models applied from August 2025…' : 'The Act entered into force in August 2024…' },
  })
  return { trace_id: b.trace.trace_id, session_id: SESSIONS.compare.session_id, batches: b.batches(key(p), variant === 'baseline' ? [SESSIONS.compare] : undefined) }
}

/** One long run: 40 stages × 50 items under one root = 2,041 spans, sent in batches of 500. */
function longRun(): DemoTrace {
  const t0 = 4 * HOUR
  const stages = 40
  const items = 50
  const b = new TraceBuilder({
    trace_id: 'demo-long-enrichment', session_id: SESSIONS.scale.session_id, name: 'enrich 2,000 records', user_id: 'linus', tags: ['demo', 'scale'],
    status: 'completed', start_time: ts(t0), end_time: ts(t0 + stages * items * 100 + 1_000),
  })
  const root = b.span({ span_id: 'long-root', name: 'enrichment_pipeline', type: 'chain', start: t0, end: t0 + stages * items * 100 + 1_000 })
  for (let s = 0; s < stages; s++) {
    const stageStart = t0 + 500 + s * items * 100
    const stage = b.span({ span_id: `long-stage-${s}`, parent_span_id: root, name: `batch_${String(s + 1).padStart(2, '0')}`, type: 'chain', start: stageStart, end: stageStart + items * 100, sequence: s })
    for (let i = 0; i < items; i++) {
      const n = s * items + i
      const failed = n % 97 === 13
      b.span({
        span_id: `long-item-${n}`, parent_span_id: stage, name: 'classify_record', type: 'llm', start: stageStart + i * 100, end: stageStart + i * 100 + 90, sequence: i,
        model: 'gpt-4.1-nano', provider: 'openai', prompt_tokens: 180 + (n % 40), completion_tokens: 12 + (n % 7),
        ...(failed ? { status: 'failed' as const, status_message: 'rate limited (429)' } : {}),
        input: { record_id: `rec-${n}` }, output: failed ? undefined : { label: ['retail', 'travel', 'finance', 'health'][n % 4] },
      })
      if (failed) b.event(`long-item-${n}`, stageStart + i * 100 + 90, { event_type: 'error', level: 'error', message: `record rec-${n}: rate limited` })
    }
  }
  return { trace_id: b.trace.trace_id, session_id: SESSIONS.scale.session_id, batches: b.batches(key('long'), [SESSIONS.scale], 500) }
}

export function demoTraces(): DemoTrace[] {
  return [tripPlan(), tripBookingFailed(), tripBookingRecovered(), researchRun('baseline'), researchRun('candidate'), longRun()]
}

export const DEMO_EPOCH = new Date(SEED_EPOCH).toISOString()
