/**
 * "Did you mean": the nearest known name to a mistyped one (a `--set` key, an option, an
 * experiment), by edit distance ignoring case.
 *
 * @module
 */

/**
 * The candidate nearest to `name`, or `undefined` when none is close: an edit distance (ignoring
 * case) of at most 2, or a third of the name's length for longer names. Ties go to the first
 * candidate.
 * @example `nearest("whaleBTC", ["whaleBtc", "whale"])` → `"whaleBtc"`
 */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  const target = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(target, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** Levenshtein distance of two strings (insertions, deletions, substitutions; transpositions count 1). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const sub = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, sub);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}
