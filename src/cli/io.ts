import type { Env } from "./config.js";

/**
 * Everything the CLI touches outside itself, so tests run it in-process with
 * captured output, a fake stdin, a chosen environment and a fake server.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  env: Env;
  fetch: typeof fetch;
  now(): number;
}

/**
 * The real process: stdout, stderr, stdin, process.env, global fetch.
 *
 * @example process.exitCode = await runCli(process.argv.slice(2), processIo());
 */
export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
  };
}
