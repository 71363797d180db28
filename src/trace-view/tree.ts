import type { Span } from '../contract/traces.js'

// The span tree of one trace as flat rows in display order, shared by `trace inspect` and the
// TUI. Pure functions over the wire spans: children sorted by start time, spans whose parent is
// missing become roots, and folded spans hide their subtree.

export interface SpanNode {
  span: Span
  depth: number
  children: SpanNode[]
  /** Spans in this subtree, the node included. */
  size: number
  failedBelow: boolean
}

export interface TreeRow {
  node: SpanNode
  /** Gutter for the tree, e.g. "│ ├ ". */
  prefix: string
  folded: boolean
}

export interface SpanTree {
  roots: SpanNode[]
  byId: Map<string, SpanNode>
  start: number
  end: number
}

const startOf = (s: Span) => Date.parse(s.started_at)
export const endOf = (s: Span, now: number) => (s.ended_at ? Date.parse(s.ended_at) : s.latency_ms !== undefined ? startOf(s) + s.latency_ms : now)

export function buildTree(spans: readonly Span[], now = Date.now()): SpanTree {
  const byId = new Map<string, SpanNode>()
  for (const span of spans) byId.set(span.span_id, { span, depth: 0, children: [], size: 1, failedBelow: false })
  const roots: SpanNode[] = []
  for (const node of byId.values()) {
    const parentId = node.span.parent_span_id
    const parent = parentId && parentId !== node.span.span_id ? byId.get(parentId) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const order = (a: SpanNode, b: SpanNode) => startOf(a.span) - startOf(b.span) || (a.span.sequence ?? 0) - (b.span.sequence ?? 0) || a.span.span_id.localeCompare(b.span.span_id)
  let start = Number.POSITIVE_INFINITY
  let end = Number.NEGATIVE_INFINITY
  // Iterative walk: a 10,000-deep chain must not overflow the stack.
  const seen = new Set<SpanNode>()
  const post: SpanNode[] = []
  const walk = (from: SpanNode) => {
    const stack = [from]
    while (stack.length) {
      const node = stack.pop()!
      seen.add(node)
      post.push(node)
      node.children.sort(order)
      for (const c of node.children) c.depth = node.depth + 1
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!)
      start = Math.min(start, startOf(node.span))
      end = Math.max(end, endOf(node.span, now))
    }
  }
  roots.sort(order)
  for (const r of roots) walk(r)
  // Spans in a parent cycle are unreachable from any root: cut each cycle at one span, which
  // becomes a root.
  for (const node of byId.values()) {
    if (seen.has(node)) continue
    const parent = byId.get(node.span.parent_span_id!)
    if (parent) parent.children = parent.children.filter((c) => c !== node)
    node.depth = 0
    roots.push(node)
    walk(node)
  }
  for (let i = post.length - 1; i >= 0; i--) {
    const n = post[i]!
    n.size = 1 + n.children.reduce((a, c) => a + c.size, 0)
    n.failedBelow = n.children.some((c) => c.span.status === 'FAILED' || c.failedBelow)
  }
  if (!Number.isFinite(start)) start = end = now
  return { roots, byId, start, end }
}

export interface FlattenOptions {
  folded?: ReadonlySet<string>
  /** Keep only failed spans and their ancestors. */
  failedOnly?: boolean
  /** Keep only spans whose name/model/type/span id contains it (and their ancestors). */
  filter?: string
}

export function flatten(tree: SpanTree, o: FlattenOptions = {}): TreeRow[] {
  const rows: TreeRow[] = []
  const needle = o.filter?.toLowerCase()
  const matches = (s: Span) => (!o.failedOnly || s.status === 'FAILED') && (!needle || [s.name, s.model ?? '', s.type, s.span_id].some((v) => v.toLowerCase().includes(needle)))
  const filtering = !!(o.failedOnly || needle)
  const keep = new Map<SpanNode, boolean>()
  if (filtering) {
    // keep(node) = node matches or a descendant does; computed bottom-up without recursion
    const order: SpanNode[] = []
    const stack = [...tree.roots]
    while (stack.length) {
      const n = stack.pop()!
      order.push(n)
      stack.push(...n.children)
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i]!
      keep.set(n, matches(n.span) || n.children.some((c) => keep.get(c) === true))
    }
  }
  const stack: Array<{ node: SpanNode; gutter: string; last: boolean; top: boolean }> = []
  const pushChildren = (nodes: SpanNode[], gutter: string, top: boolean) => {
    const visible = filtering ? nodes.filter((n) => keep.get(n)) : nodes
    for (let i = visible.length - 1; i >= 0; i--) stack.push({ node: visible[i]!, gutter, last: i === visible.length - 1, top })
  }
  pushChildren(tree.roots, '', true)
  while (stack.length) {
    const { node, gutter, last, top } = stack.pop()!
    const folded = o.folded?.has(node.span.span_id) === true && node.children.length > 0
    rows.push({ node, prefix: top ? '' : gutter + (last ? '└ ' : '├ '), folded })
    if (!folded) pushChildren(node.children, top ? '' : gutter + (last ? '  ' : '│ '), false)
  }
  return rows
}

export const STATUS_GLYPH: Record<Span['status'], { unicode: string; ascii: string }> = {
  COMPLETED: { unicode: '✓', ascii: 'ok' },
  FAILED: { unicode: '✗', ascii: '[!]' },
  STARTED: { unicode: '▷', ascii: '..' },
  SCHEDULED: { unicode: '•', ascii: '--' },
}

export const KIND_TAG: Record<Span['kind'], string> = { LLM: 'llm', TOOL: 'tool', AGENT: 'agent', CHAIN: 'chain', CUSTOM: 'span' }

/** The failed span whose error explains the trace: the deepest, earliest failed span. */
export function primaryFailure(tree: SpanTree): SpanNode | undefined {
  let best: SpanNode | undefined
  for (const n of tree.byId.values()) {
    if (n.span.status !== 'FAILED') continue
    if (!best || (!n.failedBelow && best.failedBelow) || (n.failedBelow === best.failedBelow && (n.depth > best.depth || (n.depth === best.depth && Date.parse(n.span.started_at) < Date.parse(best.span.started_at))))) best = n
  }
  return best
}

export function spanDurationMs(s: Span, now = Date.now()): number {
  return s.latency_ms ?? endOf(s, now) - Date.parse(s.started_at)
}
