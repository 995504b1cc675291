// Pareto fronts: the points no other point beats on both throughput (higher is better) and cost
// (lower is better).

export interface Scored {
  throughput: number;
  cost: number;
}

/** Indices of the points on the front, by increasing cost. A point is dominated when another
 * costs no more and is at least as fast, and is strictly better on one of the two. */
export function paretoFront<T extends Scored>(points: readonly T[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a].cost - points[b].cost || points[b].throughput - points[a].throughput);
  const front: number[] = [];
  let best = -Infinity;
  for (const i of order) {
    if (points[i].throughput > best) {
      front.push(i);
      best = points[i].throughput;
    }
  }
  return front;
}
