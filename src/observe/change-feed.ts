import type pg from 'pg'
import type { Logger } from '../logger.js'

// One LISTEN connection per server process on channel `continua_changes`, fanned out in memory
// to the live streams of the traces it names. The connection is held only while someone
// listens, and is re-established by itself when lost (pg_terminate_backend, a restart); after a
// reconnect every subscriber is woken to re-read, so nothing committed during the gap is missed.

export const CHANGES_CHANNEL = 'continua_changes'
/** Subscribe with this trace id to hear every change of the project. */
export const ANY_TRACE = '*'

export interface ChangeNotice {
  projectId: string
  /** Trace ids named by the writer; empty means "any trace of the project". */
  traceIds: string[]
  seq: number | undefined
}

type Listener = () => void

interface Subscription {
  projectId: string
  traceId: string
  listener: Listener
}

/** Notice payloads naming these traces (sorted), chunked to stay well under Postgres's 8000-byte limit. */
export function noticePayloads(projectId: string, traceIds: string[], maxSeq: number): string[] {
  const CHUNK = 150
  const payloads: string[] = []
  for (let i = 0; i < Math.max(traceIds.length, 1); i += CHUNK) {
    payloads.push(JSON.stringify({ p: projectId, t: traceIds.slice(i, i + CHUNK), s: maxSeq }))
  }
  return payloads
}

export function parseNotice(payload: string | undefined): ChangeNotice | undefined {
  if (!payload) return undefined
  try {
    const v = JSON.parse(payload) as { p?: unknown; t?: unknown; s?: unknown }
    if (typeof v.p !== 'string') return undefined
    const traceIds = Array.isArray(v.t) ? v.t.filter((x): x is string => typeof x === 'string') : []
    return { projectId: v.p, traceIds, seq: typeof v.s === 'number' ? v.s : undefined }
  } catch {
    return undefined
  }
}

export class ChangeFeed {
  private readonly subs = new Set<Subscription>()
  private client: pg.PoolClient | undefined
  private connecting: Promise<void> | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private retryDelay = 100

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  /** Registers a listener; `ready` resolves once LISTEN is active (or failed: the caller still polls on wake-ups). */
  subscribe(projectId: string, traceId: string, listener: Listener): { ready: Promise<void>; close: () => void } {
    const sub: Subscription = { projectId, traceId, listener }
    this.subs.add(sub)
    const ready = this.ensureListening().catch(() => {})
    return {
      ready,
      close: () => {
        this.subs.delete(sub)
        if (this.subs.size === 0) this.stop()
      },
    }
  }

  get listening(): boolean {
    return this.client !== undefined
  }

  private ensureListening(): Promise<void> {
    if (this.client) return Promise.resolve()
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined))
    return this.connecting
  }

  private async connect(): Promise<void> {
    let client: pg.PoolClient | undefined
    try {
      client = await this.pool.connect()
      client.on('notification', (msg) => msg.channel === CHANGES_CHANNEL && this.dispatch(parseNotice(msg.payload)))
      const onLost = (err?: Error) => this.lost(client!, err)
      client.on('error', onLost)
      client.on('end', () => onLost())
      await client.query(`listen ${CHANGES_CHANNEL}`)
      if (this.subs.size === 0) {
        client.release()
        return
      }
      this.client = client
      this.retryDelay = 100
      this.logger.debug('change feed listening')
    } catch (err) {
      client?.release(err instanceof Error ? err : true)
      this.logger.warn('change feed could not listen; retrying', { error: (err as Error).message })
      this.scheduleRetry()
      throw err
    }
  }

  private lost(client: pg.PoolClient, err?: Error): void {
    if (this.client !== client) return
    this.client = undefined
    try {
      client.release(err ?? true)
    } catch {
      // already released
    }
    this.logger.warn('change feed connection lost; reconnecting', { error: err?.message })
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    if (this.subs.size === 0 || this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.subs.size === 0) return
      // Wake everyone after the gap: they re-read from their own cursor.
      this.ensureListening().then(() => this.wakeAll(), () => {})
    }, this.retryDelay)
    this.retryDelay = Math.min(this.retryDelay * 2, 5000)
  }

  private dispatch(notice: ChangeNotice | undefined): void {
    if (!notice) return this.wakeAll()
    const traces = new Set(notice.traceIds)
    for (const sub of [...this.subs]) {
      if (sub.projectId !== notice.projectId) continue
      if (traces.size === 0 || sub.traceId === ANY_TRACE || traces.has(sub.traceId)) sub.listener()
    }
  }

  private wakeAll(): void {
    for (const sub of [...this.subs]) sub.listener()
  }

  private stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const client = this.client
    this.client = undefined
    if (!client) return
    client.query(`unlisten ${CHANGES_CHANNEL}`).then(
      () => client.release(),
      (err: Error) => client.release(err),
    )
  }
}
