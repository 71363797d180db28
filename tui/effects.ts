import type { Dispatch } from 'react'
import type { ContinuaClient } from '../src/client/index.js'
import { renderDiff } from '../src/trace-view/render-diff.js'
import type { Action } from './state/reducer.js'

// The TUI's calls with side effects, each reporting its outcome as a message.

export async function controlRun(client: ContinuaClient, dispatch: Dispatch<Action>, action: 'signal' | 'cancel' | 'terminate', runId: string, signalName?: string, payload?: unknown): Promise<void> {
  try {
    if (action === 'signal') {
      const res = await client.runs.signal(runId, signalName!, payload ?? null)
      dispatch({ type: 'message', text: res.accepted ? `Signal ${signalName} sent to ${runId}` : `Signal ${signalName} was not accepted`, error: !res.accepted })
    } else if (action === 'cancel') {
      const res = await client.runs.cancel(runId)
      dispatch({ type: 'message', text: res.accepted ? `Cancellation requested for ${runId}` : 'Cancellation was not accepted', error: !res.accepted })
    } else {
      const res = await client.runs.terminate(runId)
      dispatch({ type: 'message', text: `Run ${runId} is ${res.status}` })
    }
  } catch (err) {
    dispatch({ type: 'message', text: (err as Error).message, error: true })
  }
}

export async function compareTraces(client: ContinuaClient, dispatch: Dispatch<Action>, a: { id: string; sessionId?: string }, b: { id: string; sessionId?: string }): Promise<void> {
  if (!a.sessionId || a.sessionId !== b.sessionId) {
    dispatch({ type: 'message', text: 'Only traces of the same session can be compared; mark another trace of that session', error: true })
    return
  }
  try {
    dispatch({ type: 'message', text: 'Comparing…' })
    const diff = await client.traces.compare(a.sessionId, a.id, b.id)
    const text = renderDiff(diff, { format: 'text', color: false, tty: false, width: Number.POSITIVE_INFINITY })
    const lines = text.trimEnd().split('\n')
    dispatch({ type: 'compare-loaded', title: `Compare ${diff.baseline.name} → ${diff.candidate.name} (Esc back)`, lines })
  } catch (err) {
    dispatch({ type: 'message', text: (err as Error).message, error: true })
  }
}
