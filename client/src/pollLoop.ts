// A round of reads repeated on a timer: how a client outside the realtime rollout keeps current
// (and how builds from before 2.1 did, every 30 seconds). Rounds never overlap; stop() cuts the
// wait short and resolves once the round in flight, if any, has finished.
export class PollLoop {
  private stopped = false;
  private wake?: () => void;
  private readonly running: Promise<void>;

  private constructor(
    private readonly round: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.running = this.run();
  }

  /**
   * Runs the first round (its failure is the caller's, like a first sync at start-up), then
   * repeats it every `intervalMs` until stop(); `onError` gets a later round's error, and the
   * loop goes on.
   */
  static async start(round: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): Promise<PollLoop> {
    await round();
    return new PollLoop(round, intervalMs, onError);
  }

  private async run(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.stopped) return;
      try {
        await this.round();
      } catch (error) {
        if (!this.stopped) this.onError(error);
      }
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    return this.running;
  }
}
