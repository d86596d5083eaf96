/**
 * Where the bridge's log lines go: stdout, one write per event-loop turn
 * rather than one per line. A change pushed to a thousand proxies logs a
 * thousand ACKs within a few turns, and on a pipe each write is a
 * synchronous system call (the benchmark's profile had them at 12% of the
 * bridge's CPU); joined, they cost one. Lines still leave in order, before
 * any timer fires, and what is pending goes out when the process exits.
 *
 * @example const log = jsonLogger("info", lineSink((chunk) => process.stdout.write(chunk)));
 */
export function lineSink(
  out: (chunk: string) => void,
  schedule: (flush: () => void) => void = (flush) => void setImmediate(flush),
  onExit: (flush: () => void) => void = (flush) => void process.once("exit", flush),
): (line: string) => void {
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const chunk = pending.join("");
    pending = [];
    out(chunk);
  };
  onExit(flush);
  return (line) => {
    if (pending.push(line) === 1) schedule(flush);
  };
}

/** stdout, batched as above. */
export const stdoutLines = (): ((line: string) => void) => lineSink((chunk) => process.stdout.write(chunk));
