// Run statuses as the engine API spells them (upper case); kept zod-free for fast commands.
export const TERMINAL_RUN_STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW'] as const
export const isTerminal = (status: string): boolean => (TERMINAL_RUN_STATUSES as readonly string[]).includes(status)
