import { Box, Text } from 'ink'
import { KEYS } from '../keys.js'

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const groups = ['everywhere', 'lists', 'trace', 'runs'] as const
  const title = { everywhere: 'Everywhere', lists: 'Lists', trace: 'Trace view', runs: 'On a run (Runs tab or a run opened from it)' }
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" paddingX={1}>
      <Text bold>Keys (Esc closes)</Text>
      {groups.map((g) => (
        <Box key={g} flexDirection="column">
          <Text color="cyan">{title[g]}</Text>
          {KEYS.filter((k) => k.where === g).map((k) => (
            <Text key={g + k.keys} wrap="truncate">
              {'  ' + k.keys.padEnd(16) + k.action}
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  )
}
