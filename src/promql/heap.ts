// Go's container/heap algorithm. topk/bottomk keep a bounded heap; using the
// same sift order as Go decides which of several equal values survive, so
// ties resolve as they do in Prometheus.

export type Less<T> = (a: T, b: T) => boolean;

function up<T>(h: T[], j: number, less: Less<T>): void {
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    j = i;
  }
}

function down<T>(h: T[], i0: number, n: number, less: Less<T>): void {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2]!, h[j1]!)) j = j2;
    if (!less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    i = j;
  }
}

export function heapPush<T>(h: T[], x: T, less: Less<T>): void {
  h.push(x);
  up(h, h.length - 1, less);
}

export function heapPop<T>(h: T[], less: Less<T>): T {
  const n = h.length - 1;
  [h[0], h[n]] = [h[n]!, h[0]!];
  down(h, 0, n, less);
  return h.pop()!;
}
