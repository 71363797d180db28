import { Box, Text } from 'ink'
import { windowStart } from '../state/selectors.js'

// A windowed table: only the rows that fit are rendered, whatever the length of the list.

export interface ListColumn<T> {
  header: string
  width: number
  get: (row: T) => string
  color?: (row: T) => string | undefined
}

export interface ListTableProps<T> {
  rows: T[]
  columns: ListColumn<T>[]
  cursor: number
  height: number
  width: number
  rowKey: (row: T) => string
  empty: string
}

const fit = (s: string, w: number) => (s.length > w ? s.slice(0, Math.max(0, w - 1)) + '…' : s.padEnd(w))

export function ListTable<T>({ rows, columns, cursor, height, width, rowKey, empty }: ListTableProps<T>) {
  const bodyHeight = Math.max(1, height - 1)
  const start = windowStart(cursor, rows.length, bodyHeight)
  const shown = rows.slice(start, start + bodyHeight)
  const fixed = columns.slice(0, -1).reduce((a, c) => a + c.width + 1, 0)
  const widths = columns.map((c, i) => (i === columns.length - 1 ? Math.max(8, width - fixed - 1) : c.width))
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate">
        {' ' + columns.map((c, i) => fit(c.header, widths[i]!)).join(' ')}
      </Text>
      {rows.length === 0 ? <Text dimColor>{' ' + empty}</Text> : null}
      {shown.map((row, i) => {
        const selected = start + i === cursor
        return (
          <Text key={rowKey(row)} inverse={selected} wrap="truncate">
            {selected ? '›' : ' '}
            {columns.map((c, ci) => (
              <Text key={c.header} color={c.color?.(row)}>
                {fit(c.get(row), widths[ci]!) + (ci < columns.length - 1 ? ' ' : '')}
              </Text>
            ))}
          </Text>
        )
      })}
    </Box>
  )
}
