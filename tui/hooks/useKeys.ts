import { useInput, useStdin } from 'ink'
import type { Dispatch } from 'react'
import type { Action } from '../state/reducer.js'

// Forwards every key to the reducer (state/keymap.ts decides what it means).

export function useKeys(dispatch: Dispatch<Action>): void {
  const { isRawModeSupported } = useStdin()
  useInput((input, key) => dispatch({ type: 'key', input, key }), { isActive: isRawModeSupported === true })
}
