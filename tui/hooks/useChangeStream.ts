import { useEffect, useState } from 'react'
import type { ContinuaClient } from '../../src/client/index.js'

// Re-reads the lists when the server says the project changed (SSE); reports whether that stream
// is live, so the caller polls only as a fallback. A broken stream is retried every 5 s.

export function useChangeStream(client: ContinuaClient, onChange: () => void): boolean {
  const [live, setLive] = useState(false)
  useEffect(() => {
    const abort = new AbortController()
    let retry: NodeJS.Timeout | undefined
    const connect = async () => {
      try {
        for await (const m of client.changes(abort.signal)) {
          if (m.kind === 'ready') setLive(m.live)
          else onChange()
        }
      } catch {
        // unreachable, unauthorised, or an older server without the route: poll
      }
      if (abort.signal.aborted) return
      setLive(false)
      retry = setTimeout(() => void connect(), 5000)
    }
    void connect()
    return () => {
      abort.abort()
      if (retry) clearTimeout(retry)
    }
  }, [client, onChange])
  return live
}
