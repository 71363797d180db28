import { useEffect, type Dispatch } from 'react'
import type { ContinuaClient } from '../../src/client/index.js'
import type { Action } from '../state/reducer.js'
import type { Tab } from '../state/types.js'

// The list tabs re-read the server every `intervalMs` (the server streams changes per trace
// only), plus at once when `refresh` changes. Only the visible tab is read.

export function useListPolling(client: ContinuaClient, tab: Tab, active: boolean, dispatch: Dispatch<Action>, refresh: number | string, intervalMs = 2000): void {
  useEffect(() => {
    if (!active) return
    let stopped = false
    const load = async () => {
      try {
        if (tab === 'runs') {
          // Runs carry no usage; their traces (engine:<run id>) do.
          const [page, traces] = await Promise.all([client.runs.list({ limit: 200 }), client.traces.list({ q: 'engine:', limit: 200 })])
          if (!stopped) dispatch({ type: 'runs-loaded', rows: page.runs })
          if (!stopped) dispatch({ type: 'run-usage', traces: traces.traces })
        } else if (tab === 'traces') {
          const page = await client.traces.list({ limit: 200 })
          if (!stopped) dispatch({ type: 'traces-loaded', rows: page.traces })
        } else {
          const page = await client.sessions.list({ limit: 200, sort_by: 'last_activity_at', sort_dir: 'desc' })
          if (!stopped) dispatch({ type: 'sessions-loaded', rows: page.sessions })
        }
      } catch (err) {
        if (!stopped) dispatch({ type: 'list-error', tab, error: (err as Error).message })
      }
    }
    void load()
    const timer = setInterval(() => void load(), intervalMs)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [client, tab, active, refresh, intervalMs, dispatch])
}
