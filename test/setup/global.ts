// Vitest global setup: runs once before the whole suite.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
