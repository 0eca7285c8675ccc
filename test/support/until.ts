/** Polls `probe` every `every` ms until it gives a truthy value, which it returns; fails after `ms` naming `what`. */
export async function until<T>(what: string, probe: () => T | undefined | false | null | Promise<T | undefined | false | null>, ms = 30_000, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
