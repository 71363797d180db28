// Server-sent events over fetch (EventSource cannot send credentials in headers).

export interface StreamMessage {
  event: string
  data: unknown
  /** The change number, on the last message of each group (a resume point). */
  id?: number
}

/** Splits a server-sent event stream into messages (comments and retry lines are skipped). */
export function parseSse(buffer: string): { messages: StreamMessage[]; rest: string } {
  const messages: StreamMessage[] = []
  const frames = buffer.split(/\r?\n\r?\n/)
  const rest = frames.pop() ?? ''
  for (const frame of frames) {
    let event = 'message'
    let id: number | undefined
    const data: string[] = []
    for (const line of frame.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      else if (line.startsWith('id:') && /^\d+$/.test(line.slice(3).trim())) id = Number(line.slice(3).trim())
    }
    if (!data.length) continue
    try {
      messages.push({ event, data: JSON.parse(data.join('\n')), ...(id !== undefined ? { id } : {}) })
    } catch {
      // a malformed frame is skipped
    }
  }
  return { messages, rest }
}

