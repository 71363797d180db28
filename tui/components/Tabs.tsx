import { Box, Text } from 'ink'
import type { Tab } from '../state/types.js'

export interface TabsProps {
  tab: Tab
  counts: Record<Tab, number>
  live: string
  session?: string
  marked?: string
  width: number
}

const LABEL: Record<Tab, string> = { runs: 'Runs', traces: 'Traces', sessions: 'Sessions' }

export function Tabs({ tab, counts, live, session, marked, width }: TabsProps) {
  return (
    <Box width={width}>
      <Text bold color="cyan">
        {' continua '}
      </Text>
      {(['runs', 'traces', 'sessions'] as const).map((t, i) => (
        <Text key={t} inverse={t === tab}>
          {` ${i + 1} ${LABEL[t]} (${counts[t]}) `}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {`  ${live}${session ? `  session: ${session}` : ''}${marked ? `  marked: ${marked}` : ''}`}
      </Text>
    </Box>
  )
}
