import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react'
import { api, authError, credentials, onAuthChange, projectKeys, type AuthConfig, type Project } from './api.js'
import { CommandPalette } from './components/CommandPalette.js'
import { ErrorBox, Loading } from './components/ui.js'
import { useLoad } from './hooks.js'
import { CALLBACK_PATH, finishLogin, startLogin } from './oidc.js'
import { Compare } from './pages/Compare.js'
import { Dashboard } from './pages/Dashboard.js'
import { EngineHealth } from './pages/EngineHealth.js'
import { EngineProjections } from './pages/EngineProjections.js'
import { Projects } from './pages/Projects.js'
import { RunDetail } from './pages/RunDetail.js'
import { Runs } from './pages/Runs.js'
import { SessionDetail } from './pages/SessionDetail.js'
import { Sessions } from './pages/Sessions.js'
import { Settings } from './pages/Settings.js'
import { TraceDetailPage } from './pages/TraceDetail.js'
import { Traces } from './pages/Traces.js'
import { Link, matchPath, navigate, setQuery, useLocation, withProject } from './router.js'
import { applyTheme, followSystemTheme, storedTheme, type Theme } from './theme.js'

export type Mode = 'local' | 'demo' | 'credentials'

export interface Shell {
  config: AuthConfig
  mode: Mode
  projects: Project[]
  projectId: string | undefined
  reloadProjects: () => void
  readOnly: boolean
  /** The project of the API key in use, if a project key is in use. */
  keyProjectId: string | undefined
}

const ShellContext = createContext<Shell | undefined>(undefined)
export const useShell = () => useContext(ShellContext)!

function useAuthVersion(): number {
  const [v, setV] = useState(0)
  useEffect(() => onAuthChange(() => setV((n) => n + 1)), [])
  return v
}

export function App() {
  const config = useLoad(() => api.authConfig(), [])
  const { path } = useLocation()
  useEffect(() => followSystemTheme(), [])
  if (config.error) return <ErrorBox error={config.error} />
  if (!config.data) return <Loading />
  if (path === CALLBACK_PATH) return <OidcCallback config={config.data} />
  return <Authenticated config={config.data} />
}

function OidcCallback({ config }: { config: AuthConfig }) {
  const [error, setError] = useState<unknown>()
  useEffect(() => {
    finishLogin(config).then((to) => navigate(to, { replace: true }), setError)
  }, [config])
  return <div className="center-page">{error ? <ErrorBox error={error} /> : <Loading />}</div>
}

function Authenticated({ config }: { config: AuthConfig }) {
  const authVersion = useAuthVersion()
  const mode: Mode = config.public_demo_enabled ? 'demo' : config.local_mode_enabled ? 'local' : 'credentials'
  const hasCreds = Boolean(credentials.apiKey() || credentials.oidcToken())
  if (mode === 'credentials' && !hasCreds) return <Login config={config} />
  return <ShellView config={config} mode={mode} authVersion={authVersion} />
}

export function Login({ config }: { config: AuthConfig }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState<unknown>()
  return (
    <div className="center-page">
      <div className="card login">
        <h1>Continua</h1>
        <p className="muted">This server needs credentials. Paste a project API key or the admin token; it is kept in this browser's local storage.</p>
        <form
          onSubmit={(e) => {
            e.preventDefault()
            credentials.setOidcToken('')
            credentials.setApiKey(key.trim())
          }}
        >
          <input className="input" type="password" placeholder="pk_… or admin token" value={key} onChange={(e) => setKey(e.target.value)} aria-label="API key or admin token" />
          <button className="btn primary" type="submit" disabled={!key.trim()}>
            Continue
          </button>
        </form>
        {config.enabled ? (
          <>
            <div className="or">or</div>
            <button className="btn" onClick={() => startLogin(config).catch(setError)}>
              Sign in with {config.oidc_provider_name ?? 'your identity provider'}
            </button>
          </>
        ) : null}
        <ErrorBox error={error} />
      </div>
    </div>
  )
}

const NAV: Array<[string, string]> = [
  ['/dashboard', 'Overview'],
  ['/traces', 'Traces'],
  ['/engine/runs', 'Engine runs'],
  ['/sessions', 'Sessions'],
  ['/projects', 'Projects'],
  ['/settings', 'Settings'],
]

function ShellView({ config, mode, authVersion }: { config: AuthConfig; mode: Mode; authVersion: number }) {
  const { path, query } = useLocation()
  const projects = useLoad(() => api.projects(), [authVersion])
  const [palette, setPalette] = useState(false)
  const [menu, setMenu] = useState(false)
  const [theme, setTheme] = useState<Theme>(storedTheme())
  const err = useSyncExternalStore(onAuthChange, authError)
  const projectId = query.get('project_id') ?? undefined
  // With a project API key, projects whose keys this browser remembers are offered too.
  const remembered = credentials.apiKey() ? projectKeys.all() : {}
  const listed = projects.data?.projects ?? []
  const list: Project[] = [
    ...listed,
    ...Object.entries(remembered)
      .filter(([pid]) => !listed.some((p) => p.id === pid))
      .map(([pid, r]) => ({ id: pid, name: `${r.name} (saved key)`, is_default: false, retention_days: null, created_at: '', updated_at: '' })),
  ]
  const selectProject = (pid: string) => {
    const saved = remembered[pid]
    if (saved && !listed.some((p) => p.id === pid)) credentials.setApiKey(saved.key)
    setQuery({ project_id: pid })
  }

  // Force a project selection: the key's project, the demo project, else the first one.
  useEffect(() => {
    if (!projects.data) return
    if (path === '/' || path === '') return navigate('/dashboard' + window.location.search, { replace: true })
    const valid = projectId && list.some((p) => p.id === projectId)
    if (valid) return
    const pick = projects.data.authenticated_project_id ?? config.public_demo_project_id ?? list.find((p) => p.name === 'demo')?.id ?? list[0]?.id
    if (pick) setQuery({ project_id: pick }, { replace: true })
    else if (path !== '/projects' && path !== '/settings') navigate('/projects', { replace: true })
  }, [projects.data, projectId, path]) // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === 'k' && !(typing && !palette)) {
        e.preventDefault()
        setPalette((p) => !p)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [palette])

  const shell: Shell = { config, mode, projects: list, projectId, reloadProjects: projects.reload, readOnly: mode === 'demo', keyProjectId: projects.data?.authenticated_project_id }
  const cycleTheme = () => {
    const next: Theme = theme === 'system' ? 'light' : theme === 'light' ? 'dark' : 'system'
    applyTheme(next)
    setTheme(next)
  }

  return (
    <ShellContext.Provider value={shell}>
      <div className={`shell ${menu ? 'menu-open' : ''}`}>
        <aside className="sidebar">
          <div className="brand">
            <Link to="/dashboard">Continua</Link>
          </div>
          <nav onClick={() => setMenu(false)}>
            {NAV.filter(([to]) => !(mode === 'demo' && to === '/settings')).map(([to, label]) => (
              <Link key={to} to={to} className={path === to || path.startsWith(to + '/') ? 'nav active' : 'nav'}>
                {label}
              </Link>
            ))}
          </nav>
          <div className="sidebar-foot muted small">
            <span>{mode === 'local' ? 'Local mode' : mode === 'demo' ? 'Public demo' : credentials.oidcToken() ? 'Operator (OIDC)' : 'API key / token'}</span>
          </div>
        </aside>
        <div className="main">
          <header className="topbar">
            <button className="btn ghost small menu-btn" aria-label="Menu" onClick={() => setMenu(!menu)}>
              ☰
            </button>
            <select
              className="input project-select"
              aria-label="Project"
              value={projectId ?? ''}
              onChange={(e) => selectProject(e.target.value)}
            >
              {list.length === 0 ? <option value="">No project</option> : null}
              {list.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <div className="spacer" />
            <button className="btn ghost small" onClick={() => setPalette(true)} title="Command palette (Ctrl+K)">
              Search <kbd>Ctrl K</kbd>
            </button>
            <button className="btn ghost small" onClick={cycleTheme} title="Theme" aria-label={`Theme: ${theme}`}>
              {theme === 'dark' ? '☾ Dark' : theme === 'light' ? '☀ Light' : '◐ System'}
            </button>
          </header>
          {mode === 'demo' ? (
            <div className="banner demo" role="status">
              {config.public_demo_label ?? 'Public demo'}: read-only sample data. Changes are disabled.
            </div>
          ) : null}
          {err ? (
            <div className="banner error" role="alert" data-testid="auth-banner">
              <strong>{err.status === 401 ? 'Not signed in' : 'Not allowed'}:</strong> {err.message} ({err.code}).{' '}
              {mode !== 'demo' ? <Link to="/settings">Change credentials</Link> : null}
            </div>
          ) : null}
          <main className="content">{projects.error && !err ? <ErrorBox error={projects.error} /> : <Route path={path} />}</main>
        </div>
        {palette ? <CommandPalette onClose={() => setPalette(false)} /> : null}
      </div>
    </ShellContext.Provider>
  )
}

function Route({ path }: { path: string }): ReactNode {
  let m: Record<string, string> | undefined
  if (path === '/dashboard' || path === '/') return <Dashboard />
  if (path === '/traces') return <Traces />
  if ((m = matchPath('/traces/:id', path))) return <TraceDetailPage key={m.id} id={m.id!} />
  if (path === '/sessions') return <Sessions />
  if ((m = matchPath('/sessions/:id/compare', path))) return <Compare sessionId={m.id!} />
  if ((m = matchPath('/sessions/:id', path))) return <SessionDetail key={m.id} id={m.id!} />
  if (path === '/engine/runs') return <Runs />
  if (path === '/engine/health' || path === '/tools/engine-health') return <EngineHealth />
  if (path === '/tools/engine-projections') return <EngineProjections />
  if ((m = matchPath('/engine/runs/:id', path))) return <RunDetail key={m.id} id={m.id!} />
  if (path === '/projects') return <Projects />
  if (path === '/settings') return <SettingsRoute />
  return (
    <div className="empty">
      Page not found. <Link to="/dashboard">Go to the overview</Link>
    </div>
  )
}

/** The demo has nothing to configure: Settings goes to the overview. */
function SettingsRoute() {
  const shell = useShell()
  useEffect(() => {
    if (shell.mode === 'demo') navigate(withProject('/dashboard'), { replace: true })
  }, [shell.mode])
  return shell.mode === 'demo' ? null : <Settings />
}
