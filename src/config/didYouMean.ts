// "did you mean …?" for a mistyped name (a --param key, a ROS parameter, a command-line option). [pure]
//
// Names are compared without case, '-', '_' and '.', so `controlRateHZ`, `control-rate-hz` and `control_rate_hz`
// are the same name; otherwise the closest candidate within a few edits (Levenshtein distance) wins.

const fold = (s: string): string => s.toLowerCase().replace(/[-_.]/g, '');

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate `name` most likely meant, or null when none is close (at most max(2, ⌊length/3⌋) edits). */
export function didYouMean(name: string, candidates: readonly string[]): string | null {
  const key = fold(name);
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(key, fold(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** " (did you mean 'x'?)" or '' — ready to append to a message. */
export function suggestionSuffix(name: string, candidates: readonly string[]): string {
  const s = didYouMean(name, candidates);
  return s === null ? '' : ` (did you mean '${s}'?)`;
}
