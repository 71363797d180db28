// Every key of the TUI in one table: the help overlay renders it and docs/tui.md is checked
// against it, so the three never disagree.

export interface KeyBinding {
  keys: string
  action: string
  where: 'everywhere' | 'lists' | 'trace' | 'runs'
}

export const KEYS: readonly KeyBinding[] = [
  { keys: '↑ / k', action: 'Move up', where: 'everywhere' },
  { keys: '↓ / j', action: 'Move down', where: 'everywhere' },
  { keys: 'PgUp / PgDn', action: 'Move a page', where: 'everywhere' },
  { keys: 'g / G', action: 'Jump to the first / last row', where: 'everywhere' },
  { keys: 'Tab / 1 2 3', action: 'Switch tab: Runs, Traces, Sessions', where: 'lists' },
  { keys: 'Enter', action: 'Open the run or trace; on a session, its traces', where: 'lists' },
  { keys: 'Esc', action: 'Close the overlay, clear the filter, or go back', where: 'everywhere' },
  { keys: '/', action: 'Filter rows (or spans) by text', where: 'everywhere' },
  { keys: ':', action: 'Jump to a trace or run by id', where: 'everywhere' },
  { keys: 'f', action: 'Failed only (toggle)', where: 'everywhere' },
  { keys: 'e', action: 'Jump to the first error', where: 'everywhere' },
  { keys: 'w', action: 'Mark a trace; on a second trace, compare the two', where: 'lists' },
  { keys: 'r', action: 'Refresh now', where: 'everywhere' },
  { keys: 'Enter / Space', action: 'Fold or unfold the span', where: 'trace' },
  { keys: '← / h  → / l', action: 'Fold / unfold the span', where: 'trace' },
  { keys: 'Tab', action: 'Move focus between the span tree and the detail pane', where: 'trace' },
  { keys: '+ / -', action: 'Show more / fewer levels of the input/output JSON', where: 'trace' },
  { keys: 's', action: 'Signal the run (prompts for a name and a JSON payload, then confirms)', where: 'runs' },
  { keys: 'c', action: 'Cancel the run (confirms)', where: 'runs' },
  { keys: 't', action: 'Terminate the run (confirms)', where: 'runs' },
  { keys: '?', action: 'This help', where: 'everywhere' },
  { keys: 'q / Ctrl-C', action: 'Quit', where: 'everywhere' },
]
