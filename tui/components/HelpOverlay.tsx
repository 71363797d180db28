import { Box, Text } from 'ink'
import { KEYS } from '../keys.js'

// Every key, grouped; in two columns when one does not fit the screen.

const GROUPS = ['everywhere', 'lists', 'trace', 'runs'] as const
const TITLE = { everywhere: 'Everywhere', lists: 'Lists', trace: 'Trace view', runs: 'On a run (Runs tab or a run opened from it)' }

type Line = { text: string; title: boolean }

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const lines: Line[] = GROUPS.flatMap((g) => [{ text: TITLE[g], title: true }, ...KEYS.filter((k) => k.where === g).map((k) => ({ text: '  ' + k.keys.padEnd(16) + k.action, title: false }))])
  const room = Math.max(1, height - 3)
  const columns = lines.length > room ? [lines.slice(0, Math.ceil(lines.length / 2)), lines.slice(Math.ceil(lines.length / 2))] : [lines]
  const colWidth = Math.floor((width - 4) / columns.length)
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" paddingX={1} overflow="hidden">
      <Text bold>Keys (Esc closes)</Text>
      <Box>
        {columns.map((col, i) => (
          <Box key={i} flexDirection="column" width={colWidth} paddingRight={1}>
            {col.map((l, j) => (
              <Text key={j} wrap="truncate" color={l.title ? 'cyan' : undefined}>
                {l.text}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  )
}
