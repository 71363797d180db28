import { useEffect, type Dispatch } from 'react'
import type { ContinuaClient } from '../../src/client/index.js'
import type { Span, TimelineEvent } from '../../src/contract/traces.js'
import type { Action } from '../state/reducer.js'

// Loads one trace (tree first, payloads after) and keeps it live: the SSE stream from the
// loaded high-water mark, batched every 100 ms; when the stream fails, polling every 2 s.

export function useTraceLive(client: ContinuaClient, ref: string | undefined, dispatch: Dispatch<Action>, refresh: number): void {
  useEffect(() => {
    if (!ref) return
    const abort = new AbortController()
    let pendingSpans: Span[] = []
    let pendingEvents: TimelineEvent[] = []
    const flush = setInterval(() => {
      if (pendingSpans.length) dispatch({ type: 'spans', spans: pendingSpans })
      if (pendingEvents.length) dispatch({ type: 'events', events: pendingEvents })
      pendingSpans = []
      pendingEvents = []
    }, 100)
    let poll: NodeJS.Timeout | undefined

    const run = async () => {
      const resolved = await client.traces.resolve(ref)
      // The tree first, with the high-water mark read alongside; everything loaded after it is
      // newer, so the stream resumes there without skipping a change that commits meanwhile.
      const { spans, highWater: high } = await client.traces.spanTree(resolved.id)
      const [trace, events] = await Promise.all([client.traces.get(resolved.id), client.traces.allEvents(resolved.id)])
      if (abort.signal.aborted) return
      dispatch({ type: 'trace-loaded', trace, spans, events })
      // Payloads (input/output/metadata) after the tree is on screen.
      void client.traces.spans(trace.id, true).then((full) => !abort.signal.aborted && dispatch({ type: 'spans', spans: full }), () => {})
      if (trace.status !== 'RUNNING') {
        dispatch({ type: 'trace-live', live: 'ended' })
      }
      try {
        dispatch({ type: 'trace-live', live: trace.status === 'RUNNING' ? 'sse' : 'ended' })
        for await (const m of client.traces.stream(trace.id, abort.signal, high)) {
          if (m.kind === 'span') pendingSpans.push(m.span)
          else if (m.kind === 'event') pendingEvents.push(m.event)
          else if (m.kind === 'trace') {
            dispatch({ type: 'trace-header', trace: m.trace })
            dispatch({ type: 'trace-live', live: m.trace.status === 'RUNNING' ? 'sse' : 'ended' })
          }
        }
      } catch {
        if (abort.signal.aborted) return
        dispatch({ type: 'trace-live', live: 'polling' })
        poll = setInterval(async () => {
          try {
            const [t, s, e] = await Promise.all([client.traces.get(trace.id), client.traces.spans(trace.id, true), client.traces.allEvents(trace.id)])
            if (abort.signal.aborted) return
            dispatch({ type: 'trace-header', trace: t })
            dispatch({ type: 'spans', spans: s })
            dispatch({ type: 'events', events: e })
          } catch {
            // keep polling; the header shows the last good state
          }
        }, 2000)
      }
    }
    run().catch((err: Error) => !abort.signal.aborted && dispatch({ type: 'trace-error', error: err.message }))
    return () => {
      abort.abort()
      clearInterval(flush)
      if (poll) clearInterval(poll)
    }
  }, [client, ref, dispatch, refresh])
}
