// A one-line progress bar for a terminal (callers only use it when stderr is a TTY).

export function renderProgress(stream: NodeJS.WriteStream, label = 'seeding') {
  const width = 30
  return {
    update: (done: number, total: number) => {
      const filled = total === 0 ? width : Math.round((done / total) * width)
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`)
    },
    done: () => stream.write('\n'),
  }
}
