/**
 * Interleaved trials: on a noisy machine, running A,A,A,B,B,B lets a slow spell land on one
 * implementation only; running A,B,C,A,B,C… spreads it, and ratios taken within a round compare
 * runs made side by side.
 *
 * @module
 */

/**
 * Runs `trial` for every candidate in turn, `rounds` times over (A,B,C,A,B,C…), sequentially so
 * trials never compete for cores. Returns each candidate's results in round order.
 */
export async function runInterleaved<Candidate, Result>(
  candidates: readonly Candidate[],
  rounds: number,
  trial: (candidate: Candidate, round: number) => Promise<Result>,
): Promise<Map<Candidate, Result[]>> {
  const results = new Map<Candidate, Result[]>(candidates.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) {
    for (const candidate of candidates) {
      results.get(candidate)!.push(await trial(candidate, round));
    }
  }
  return results;
}
