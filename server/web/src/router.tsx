import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

// A small history router: the URL is the single source of truth for page, project and every
// filter or selection, so links are shareable and reload keeps the view.

const CHANGE = 'continua:navigate'

function subscribe(fn: () => void): () => void {
  window.addEventListener('popstate', fn)
  window.addEventListener(CHANGE, fn)
  return () => {
    window.removeEventListener('popstate', fn)
    window.removeEventListener(CHANGE, fn)
  }
}

const snapshot = () => window.location.pathname + window.location.search

export function useLocation(): { path: string; query: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot)
  const q = href.indexOf('?')
  return { path: q < 0 ? href : href.slice(0, q), query: new URLSearchParams(q < 0 ? '' : href.slice(q)) }
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return
  if (options.replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  window.dispatchEvent(new Event(CHANGE))
}

/** The selected project travels with every link. */
export function withProject(to: string, projectId = currentProject()): string {
  if (!projectId || /[?&]project_id=/.test(to)) return to
  return to + (to.includes('?') ? '&' : '?') + 'project_id=' + encodeURIComponent(projectId)
}

export function currentProject(): string | undefined {
  return new URLSearchParams(window.location.search).get('project_id') ?? undefined
}

/** Replaces some query parameters of the current URL (undefined or '' removes one). */
export function setQuery(patch: Record<string, string | string[] | undefined>, options: { replace?: boolean } = {}): void {
  const params = new URLSearchParams(window.location.search)
  for (const [k, v] of Object.entries(patch)) {
    if (Array.isArray(v)) {
      // A repeatable parameter: every value in order, or none.
      params.delete(k)
      for (const item of v) if (item !== '') params.append(k, item)
    } else if (v === undefined || v === '') params.delete(k)
    else params.set(k, v)
  }
  const qs = params.toString()
  navigate(window.location.pathname + (qs ? '?' + qs : ''), options)
}

export function Link({ to, keepProject = true, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; keepProject?: boolean }) {
  const href = keepProject ? withProject(to) : to
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(e)
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || rest.target) return
    e.preventDefault()
    navigate(href)
  }
  return <a {...rest} href={href} onClick={onClick} />
}

/** Matches a path against patterns like /traces/:id; returns the params or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/').filter(Boolean)
  const s = path.split('/').filter(Boolean)
  if (p.length !== s.length) return undefined
  const out: Record<string, string> = {}
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) out[p[i]!.slice(1)] = decodeURIComponent(s[i]!)
    else if (p[i] !== s[i]) return undefined
  }
  return out
}
