/**
 * Runs `round` `n` times in order, with a progress line on stderr (so stdout
 * keeps only the table).
 *
 * @example await runRounds(20, "change", async (i) => { samples.push(await measureOne(i)); });
 */
export async function runRounds(n: number, label: string, round: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) {
    await round(i);
    process.stderr.write(`\r${label} ${i + 1}/${n}`);
  }
  process.stderr.write("\n");
}
