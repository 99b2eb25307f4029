// Lets code wait for a state the listeners will bring about ("the expense reached this device"),
// woken by every change instead of polling on a timer.
export class ChangeSignal {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Calls `listener` after every change until the returned function is called. */
  subscribe(listener: () => void): () => void {
    this.waiters.add(listener);
    return () => void this.waiters.delete(listener);
  }

  /** Resolves with the first non-undefined value of `probe`, re-checked after every change; rejects after the deadline. */
  until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        let value: T | undefined;
        try {
          value = probe();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (value === undefined) return;
        finish();
        resolve(value);
      };
      const finish = (): void => {
        this.waiters.delete(check);
        clearTimeout(timer);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}
