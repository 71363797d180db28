import { useCallback, useEffect, useRef, useState } from 'react'

// Data loading: one request at a time per hook, previous data kept while reloading (no flicker
// on polls), optional polling, and errors as values.

export interface Loaded<T> {
  data: T | undefined
  error?: Error
  loading: boolean
  reload: () => void
}

export function useLoad<T>(load: (() => Promise<T>) | undefined, deps: unknown[], options: { pollMs?: number } = {}): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: Boolean(load) })
  const [tick, setTick] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load
  const key = JSON.stringify(deps)
  const lastKey = useRef<string | undefined>(undefined)
  useEffect(() => {
    const fn = loadRef.current
    if (!fn) return setState({ loading: false })
    let live = true
    const fresh = lastKey.current !== key
    lastKey.current = key
    if (fresh) setState({ loading: true })
    fn().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState((s) => ({ data: fresh ? undefined : s.data, error, loading: false })),
    )
    return () => {
      live = false
    }
  }, [key, tick])
  useEffect(() => {
    if (!options.pollMs) return
    const t = setInterval(() => document.visibilityState === 'visible' && setTick((n) => n + 1), options.pollMs)
    return () => clearInterval(t)
  }, [options.pollMs])
  const reload = useCallback(() => setTick((n) => n + 1), [])
  return { ...state, data: state.data, reload }
}

export function useLocalStorage(key: string, initial: string): [string, (v: string) => void] {
  const [value, setValue] = useState(() => localStorage.getItem(key) ?? initial)
  const set = useCallback(
    (v: string) => {
      localStorage.setItem(key, v)
      setValue(v)
    },
    [key],
  )
  return [value, set]
}
