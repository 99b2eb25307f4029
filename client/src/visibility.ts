// Foreground-only sync in a browser: listeners are open only while the page is visible (Page
// Visibility API). Hiding the page detaches them (background); showing it again syncs the way
// the rollout decides, catching up what happened meanwhile and reopening the group that was
// active. Transitions run one at a time, in the order the page went through them.

/** What the page offers: `document` in a browser. */
export interface VisibilitySource {
  readonly hidden: boolean;
  addEventListener(type: "visibilitychange", listener: () => void): void;
  removeEventListener(type: "visibilitychange", listener: () => void): void;
}

/** What visibility drives: a SyncClient. */
export interface ForegroundSession {
  readonly activeGroupId?: string;
  foreground(activeGroupId?: string): Promise<unknown>;
  background(): Promise<void>;
}

export interface VisibilityFollower {
  /** A transition is running or waiting (the session is attaching, catching up or detaching). */
  readonly busy: boolean;
  /** Resolves when every transition so far has finished. */
  settled(): Promise<void>;
  /** Stops following; the session is left as the last transition put it. */
  stop(): Promise<void>;
}

export interface FollowOptions {
  /** Gets a transition's failure (a foreground while the server is unreachable, say); the next transition runs regardless. */
  onError?: (error: unknown) => void;
  /** The group to open at the first foreground; default the session's active group. */
  activeGroupId?: string;
}

/** Brings `session` to the foreground now if the page is visible, then follows the page. */
export function followVisibility(session: ForegroundSession, page: VisibilitySource, { onError = () => undefined, activeGroupId: initial }: FollowOptions = {}): VisibilityFollower {
  let chain = Promise.resolve();
  // The group to reopen: the one active when the page was last hidden.
  let activeGroupId = initial ?? session.activeGroupId;
  let visible = false;
  let queued = 0;
  const apply = (): void => {
    const nowVisible = !page.hidden;
    if (nowVisible === visible) return;
    visible = nowVisible;
    queued += 1;
    chain = chain
      .then(async () => {
        if (nowVisible) await session.foreground(activeGroupId);
        else {
          activeGroupId = session.activeGroupId ?? activeGroupId;
          await session.background();
        }
      })
      .catch(onError)
      .finally(() => void (queued -= 1));
  };
  page.addEventListener("visibilitychange", apply);
  apply();
  return {
    get busy() {
      return queued > 0;
    },
    settled: () => chain,
    async stop() {
      page.removeEventListener("visibilitychange", apply);
      await chain;
    },
  };
}
