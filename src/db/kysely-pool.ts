import { CompiledQuery, type Kysely } from 'kysely'
import type pg from 'pg'

// The engine's store is written against pg's query(text, params) interface. The HTTP app only
// receives a Kysely instance, so this adapts one to the small part of pg.Pool the store uses:
// query() and connect() → client with query() and release().

interface MiniResult {
  rows: any[]
  rowCount: number
}

// A QueryConfig (the store's prepared statements) runs as a plain statement here.
type Query = string | { text: string; values?: unknown[] }

async function run(executor: { executeQuery: Kysely<any>['executeQuery'] }, query: Query, params: unknown[] = []): Promise<MiniResult> {
  const [text, values] = typeof query === 'string' ? [query, params] : [query.text, query.values ?? []]
  const res = await executor.executeQuery(CompiledQuery.raw(text, values))
  return { rows: res.rows as any[], rowCount: Number(res.numAffectedRows ?? res.rows.length) }
}

export function poolFromKysely(db: Kysely<any>): pg.Pool {
  const pool = {
    query: (query: Query, params?: unknown[]) => run(db, query, params),
    connect: () =>
      new Promise((resolveClient, rejectClient) => {
        let release!: () => void
        const done = new Promise<void>((r) => (release = r))
        db.connection()
          .execute(async (conn) => {
            resolveClient({ query: (query: Query, params?: unknown[]) => run(conn, query, params), release })
            await done
          })
          .catch(rejectClient)
      }),
  }
  return pool as unknown as pg.Pool
}
