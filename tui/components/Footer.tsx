import { Box, Text } from 'ink'
import type { Overlay } from '../state/types.js'

// The bottom line: the prompt being typed, a confirmation, a message, or the likely next keys.

const PROMPT = { filter: 'Filter: ', jump: 'Jump to trace/run id: ', 'signal-name': 'Signal name: ', 'signal-payload': 'Payload (JSON, empty for null): ' } as const

export function Footer({ overlay, message, hints, width }: { overlay: Overlay; message?: { text: string; error: boolean }; hints: string; width: number }) {
  if (overlay.kind === 'input')
    return (
      <Box width={width}>
        <Text color="yellow">{PROMPT[overlay.purpose]}</Text>
        <Text>{overlay.value}</Text>
        <Text inverse> </Text>
        <Text dimColor>{'  Enter ok · Esc cancel'}</Text>
      </Box>
    )
  if (overlay.kind === 'confirm')
    return (
      <Box width={width}>
        <Text color="yellow" bold wrap="truncate">{`${overlay.label}? y/N`}</Text>
      </Box>
    )
  return (
    <Box width={width}>
      {message ? <Text color={message.error ? 'red' : 'green'} wrap="truncate">{message.text + '  '}</Text> : null}
      <Text dimColor wrap="truncate">
        {hints}
      </Text>
    </Box>
  )
}
