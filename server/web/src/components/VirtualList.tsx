import { useEffect, useRef, useState, type ReactNode } from 'react'

// Fixed-height row virtualisation: only the rows in view (plus a small overscan) are in the DOM,
// so a 10,000-span tree scrolls like a 50-span one.

export function VirtualList({ count, rowHeight, render, scrollTo, className, height }: { count: number; rowHeight: number; render: (index: number) => ReactNode; scrollTo?: number; className?: string; height?: number | string }) {
  const ref = useRef<HTMLDivElement>(null)
  const [top, setTop] = useState(0)
  const [view, setView] = useState(600)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const ro = new ResizeObserver(() => setView(el.clientHeight))
    ro.observe(el)
    setView(el.clientHeight)
    return () => ro.disconnect()
  }, [])
  useEffect(() => {
    const el = ref.current
    if (!el || scrollTo === undefined || scrollTo < 0) return
    const y = scrollTo * rowHeight
    if (y < el.scrollTop) el.scrollTop = y
    else if (y + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = y + rowHeight - el.clientHeight
  }, [scrollTo, rowHeight])
  const overscan = 8
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan)
  const last = Math.min(count, Math.ceil((top + view) / rowHeight) + overscan)
  const rows: ReactNode[] = []
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}>
        {render(i)}
      </div>,
    )
  }
  return (
    <div ref={ref} className={`vlist ${className ?? ''}`} style={{ height }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <div style={{ position: 'relative', height: count * rowHeight }}>{rows}</div>
    </div>
  )
}
