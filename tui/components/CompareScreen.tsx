import { Box, Text } from 'ink'

export function CompareScreen({ title, lines, scroll, height }: { title: string; lines: string[]; scroll: number; height: number }) {
  const body = Math.max(1, height - 1)
  const start = Math.min(scroll, Math.max(0, lines.length - body))
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate">{title}</Text>
      {lines.slice(start, start + body).map((l, i) => (
        <Text key={start + i} wrap="truncate" color={l.startsWith('-') ? 'red' : l.startsWith('+') ? 'green' : l.startsWith('~') ? 'yellow' : undefined}>
          {l}
        </Text>
      ))}
    </Box>
  )
}
