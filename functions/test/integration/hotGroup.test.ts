// Issue 5's hot group: 500 expense writes from several clients into one group within seconds.
import { expect } from "chai";
import { adminDb, clearFirestore, PROJECT_ID } from "../../../tools/emulator";
import { drainTriggers } from "../support/emulator";
import { expectedCounts, runBurst } from "../support/burst";

describe("a hot group (500 writes from 5 clients within seconds)", function () {
  this.timeout(240_000);

  it("ends exact: lastActivityAt is the largest updatedAt, one tombstone per deletion, one conflict per stale write", async () => {
    await clearFirestore();
    const options = { groupId: "hot", projectId: PROJECT_ID, clients: 5, expensesPerClient: 40, concurrencyPerClient: 8 };
    expect(expectedCounts(options).writes).to.equal(500);
    const result = await runBurst(adminDb(), options);
    expect(result.mismatches).to.deep.equal([]);
    expect(result.exact).to.equal(true);
    // Every write the listener saw on the group document raised lastActivityAt.
    expect(result.lastActivityOnlyRose).to.equal(true);
    // Leave no backlog of (no-op) group trigger runs behind for the suites that follow.
    await drainTriggers(adminDb());
  });
});
