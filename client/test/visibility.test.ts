// Foreground-only sync: what the Page Visibility API makes a session do, in order.
import { expect } from "chai";
import { ForegroundSession, VisibilitySource, followVisibility } from "../src";

class FakePage extends EventTarget implements VisibilitySource {
  hidden = false;
  set(hidden: boolean): void {
    this.hidden = hidden;
    this.dispatchEvent(new Event("visibilitychange"));
  }
}

class FakeSession implements ForegroundSession {
  readonly calls: string[] = [];
  activeGroupId?: string;
  failForeground = false;
  async foreground(activeGroupId?: string): Promise<void> {
    this.calls.push(`foreground(${activeGroupId ?? ""})`);
    await Promise.resolve();
    if (this.failForeground) throw new Error("offline");
    this.activeGroupId = activeGroupId;
  }
  async background(): Promise<void> {
    this.calls.push("background");
    await Promise.resolve();
    this.activeGroupId = undefined;
  }
}

describe("client: followVisibility", () => {
  it("brings a visible page's session to the foreground at once, with the initial group", async () => {
    const session = new FakeSession();
    const follower = followVisibility(session, new FakePage(), { activeGroupId: "g1" });
    await follower.settled();
    expect(session.calls).to.deep.equal(["foreground(g1)"]);
  });

  it("is busy from a transition's start to its end", async () => {
    const page = new FakePage();
    const follower = followVisibility(new FakeSession(), page);
    expect(follower.busy).to.equal(true);
    await follower.settled();
    expect(follower.busy).to.equal(false);
    page.set(true);
    expect(follower.busy).to.equal(true);
    await follower.settled();
    expect(follower.busy).to.equal(false);
  });

  it("does nothing for a page that starts hidden until it is shown", async () => {
    const page = new FakePage();
    page.hidden = true;
    const session = new FakeSession();
    const follower = followVisibility(session, page);
    await follower.settled();
    expect(session.calls).to.deep.equal([]);
    page.set(false);
    await follower.settled();
    expect(session.calls).to.deep.equal(["foreground()"]);
  });

  it("backgrounds when hidden and reopens the group that was active when shown again", async () => {
    const page = new FakePage();
    const session = new FakeSession();
    const follower = followVisibility(session, page);
    await follower.settled();
    session.activeGroupId = "g2";
    page.set(true);
    page.set(false);
    await follower.settled();
    expect(session.calls).to.deep.equal(["foreground()", "background", "foreground(g2)"]);
  });

  it("runs quick switches one at a time, in order, and ignores repeats of the same state", async () => {
    const page = new FakePage();
    const session = new FakeSession();
    const follower = followVisibility(session, page);
    page.set(true);
    page.set(true);
    page.set(false);
    page.set(true);
    await follower.settled();
    expect(session.calls).to.deep.equal(["foreground()", "background", "foreground()", "background"]);
  });

  it("reports a failed transition and carries on with the next", async () => {
    const page = new FakePage();
    const session = new FakeSession();
    session.failForeground = true;
    const errors: unknown[] = [];
    const follower = followVisibility(session, page, { onError: (error) => errors.push(error) });
    await follower.settled();
    session.failForeground = false;
    page.set(true);
    page.set(false);
    await follower.settled();
    expect(errors.map(String)).to.deep.equal(["Error: offline"]);
    expect(session.calls).to.deep.equal(["foreground()", "background", "foreground()"]);
  });

  it("stops following after stop()", async () => {
    const page = new FakePage();
    const session = new FakeSession();
    const follower = followVisibility(session, page);
    await follower.stop();
    page.set(true);
    await follower.settled();
    expect(session.calls).to.deep.equal(["foreground()"]);
  });
});
