import { useEffect, useState } from 'react'

/** Now, refreshed every `ms`, so ages and in-flight span bars move without new data. */
export function useClock(ms = 1000): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(timer)
  }, [ms])
  return now
}
