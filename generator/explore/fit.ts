// Non-negative least squares for the resource model's few coefficients. Non-negative because
// every feature counts hardware that only grows with the configuration: a negative coefficient
// would be the fit trading one feature against another on a handful of points, and would let a
// bigger configuration come out smaller.

/** Solves A x = b (A square) by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (Math.abs(m[pivot][col]) < 1e-12) return undefined;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** Weighted least squares over the chosen columns (normal equations); coefficients of the
 * other columns are 0. */
function leastSquares(rows: number[][], targets: number[], weights: number[], columns: number[]): number[] | undefined {
  const ata = columns.map((i) => columns.map((j) => rows.reduce((s, r, k) => s + weights[k] * r[i] * r[j], 0)));
  const atb = columns.map((i) => rows.reduce((s, r, k) => s + weights[k] * r[i] * targets[k], 0));
  const x = solve(ata, atb);
  if (!x) return undefined;
  const full = new Array<number>(rows[0].length).fill(0);
  columns.forEach((c, i) => (full[c] = x[i]));
  return full;
}

function weightedError(rows: number[][], targets: number[], weights: number[], x: number[]): number {
  return rows.reduce((s, r, k) => {
    const e = r.reduce((t, v, i) => t + v * x[i], 0) - targets[k];
    return s + weights[k] * e * e;
  }, 0);
}

/**
 * Minimizes sum_k weights[k] * (rows[k] . x - targets[k])^2 subject to x >= 0, exactly, by trying
 * every subset of free columns (the models have at most a handful of features). Columns are
 * scaled to unit size first so that features of very different magnitude solve alike.
 */
export function fitNonNegative(rows: number[][], targets: number[], weights: number[]): number[] {
  const n = rows[0]?.length ?? 0;
  if (n > 10) throw new Error(`fitNonNegative: ${n} features is too many to search exactly`);
  const scale = Array.from({ length: n }, (_, i) => Math.max(...rows.map((r) => Math.abs(r[i]))) || 1);
  const scaled = rows.map((r) => r.map((v, i) => v / scale[i]));
  let best = new Array<number>(n).fill(0);
  let bestError = weightedError(scaled, targets, weights, best);
  for (let mask = 1; mask < 1 << n; mask++) {
    const columns = [...Array(n).keys()].filter((i) => mask & (1 << i));
    if (columns.length > rows.length) continue;
    const x = leastSquares(scaled, targets, weights, columns);
    if (!x || x.some((v) => v < 0)) continue;
    const error = weightedError(scaled, targets, weights, x);
    if (error < bestError - 1e-9 * Math.max(1, bestError)) {
      best = x;
      bestError = error;
    }
  }
  return best.map((v, i) => v / scale[i]);
}
