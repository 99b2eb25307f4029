// The demo app in headless Chromium against the emulators, with the Firestore SDK's persistent
// cache (IndexedDB): the five seed scenarios, a write queued offline across a closed tab, a
// hidden tab, battery saver and a cold start. Screenshots go to artifacts/browser/.
import { expect } from "chai";
import { BrowserContext } from "puppeteer-core";
import { Device, ExpenseFields, TIER1_OVERLAP_MS, createExpense, editExpense, newExpenseId } from "@expense-sync/client";
import { Timestamp } from "firebase/firestore";
import { loadSeed } from "../seed/load";
import { PROJECT_ID, adminDb, clearFirestore, emulatorHostsFromEnv, eventually } from "../tools/emulator";
import { BrowserLab, DemoTab, SCREENSHOT_DIR } from "./support/browser";

const HOME = "home-alice-bob";
const ALICE = "alice@example.com";
const BOB = "bob@example.com";

/** A seeded user's device in Node, writing through the same package. */
function nodeDevice(email: string): Promise<Device> {
  return Device.open({ label: `node-${email}`, credentials: { email, password: "password123" }, projectId: PROJECT_ID, hosts: emulatorHostsFromEnv() });
}

async function serverExpense(expenseId: string): Promise<FirebaseFirestore.DocumentData | undefined> {
  return (await adminDb().doc(`groups/${HOME}/expenses/${expenseId}`).get()).data();
}

async function expensesDescribed(description: string): Promise<number> {
  return (await adminDb().collection(`groups/${HOME}/expenses`).where("description", "==", description).get()).size;
}

async function conflictsOf(expenseId: string): Promise<FirebaseFirestore.DocumentData[]> {
  return (await adminDb().collection(`groups/${HOME}/conflicts`).where("expenseId", "==", expenseId).get()).docs.map((doc) => doc.data());
}

/** An expense of the home group, as a Node device writes it. */
const homeExpense = (payer: string, description: string): ExpenseFields => ({
  description,
  amountMinor: 1_000,
  currency: "EUR",
  paidBy: payer,
  splits: { alice: 500, bob: 500 },
  spentAt: Timestamp.now(),
});

describe("browser: the demo app in headless Chromium", function () {
  this.timeout(180_000);
  let lab: BrowserLab;
  const contexts: BrowserContext[] = [];
  const devices: Device[] = [];

  async function context(): Promise<BrowserContext> {
    const created = await lab.context();
    contexts.push(created);
    return created;
  }

  async function openHome(email: string, browserContext?: BrowserContext): Promise<DemoTab> {
    const tab = await lab.open(browserContext ?? (await context()), email);
    await tab.waitFor("realtime sync", (state) => state.mode === "realtime" && !state.syncing && state.groups.length > 0);
    await tab.openGroup(HOME);
    await tab.waitFor("Tier 2 on the open group", (state) => state.listeners === 2);
    return tab;
  }

  before(async function () {
    this.timeout(180_000);
    lab = await BrowserLab.start();
    await clearFirestore();
    await loadSeed({ projectId: PROJECT_ID });
    // Everyone in realtime sync, so each user's tab listens (the seed allowlists only alice).
    await adminDb().doc("config/sync").set({ realtimeSyncEnabled: true, rolloutPercent: 100, allowlistUserIds: [] });
  });

  afterEach(async function () {
    // A failed test leaves what its tabs showed.
    if (this.currentTest?.state === "failed") {
      const pages = (await Promise.all(contexts.map((created) => created.pages()))).flat();
      const name = (this.currentTest.title.split(":")[0] ?? "test").replace(/\W+/g, "-");
      await Promise.all(pages.map((page, index) => page.screenshot({ path: `${SCREENSHOT_DIR}/failed-${name}-${index}.png`, fullPage: true }).catch(() => undefined)));
    }
    await Promise.all(contexts.splice(0).map((created) => created.close()));
    await Promise.all(devices.splice(0).map((device) => device.close()));
  });

  after(async () => {
    await lab?.close();
  });

  it("scenario 1: an expense created offline reaches the server when the tab is back online", async () => {
    const alice = await openHome(ALICE);
    await alice.setOnline(false);
    const id = await alice.addExpense("Offline groceries", "12.34");
    await alice.waitFor("the write pending", (state, expenseId) => state.pending.includes(expenseId), id);
    await alice.screenshot("1-offline-create-pending");
    expect(await serverExpense(id), "nothing reached the server while offline").to.equal(undefined);

    await alice.setOnline(true);
    await alice.waitFor("the write acknowledged", (state, expenseId) => !state.pending.includes(expenseId) && state.expenses.some((e) => e.id === expenseId && e.version === 1), id);
    await alice.screenshot("1-offline-create-synced");
    const stored = await serverExpense(id);
    expect(stored).to.include({ description: "Offline groceries", amountMinor: 1234, version: 1, createdBy: "alice", currency: "EUR" });
    expect(stored?.splits).to.deep.equal({ alice: 617, bob: 617 });
  });

  it("scenario 2: an expense one user adds shows up live in another user's browser", async () => {
    const [alice, bob] = await Promise.all([openHome(ALICE), openHome(BOB)]);
    const id = await alice.addExpense("Cinema tickets", "24");
    await bob.waitFor("alice's expense in bob's tab", (state, expenseId) => state.expenses.some((e) => e.id === expenseId && e.description === "Cinema tickets"), id);
    await bob.screenshot("2-realtime-received");

    await bob.clickInRow(id, "Edit");
    await bob.fillExpenseForm("Cinema tickets and popcorn", "31");
    await bob.page.click("#expense-save");
    const seen = await alice.waitFor("bob's edit in alice's tab", (state, expenseId) => state.expenses.some((e) => e.id === expenseId && e.version === 2), id);
    expect(seen.expenses.find((e) => e.id === id)).to.include({ description: "Cinema tickets and popcorn", amountMinor: 3100 });
    expect(seen.listeners, "still two listeners: Tier 1 and Tier 2").to.equal(2);

    // Delete in one browser, restore in the other: both reach the first one live. Bob's tab deletes
    // from the version it shows, so it waits to show its own edit as the server committed it.
    await bob.waitFor("bob's edit back from the server", (state, expenseId) => !state.pending.includes(expenseId) && state.expenses.some((e) => e.id === expenseId && e.version === 2), id);
    await bob.clickInRow(id, "Delete");
    await alice.waitFor("the soft delete in alice's tab", (state, expenseId) => state.expenses.some((e) => e.id === expenseId && e.deleted && e.version === 3), id);
    await alice.clickInRow(id, "Restore");
    await bob.waitFor("the restore in bob's tab", (state, expenseId) => state.expenses.some((e) => e.id === expenseId && !e.deleted && e.version === 4), id);
    expect(await serverExpense(id)).to.include({ version: 4, deletedAt: null, updatedBy: "alice" });
  });

  it("scenario 3: concurrent offline edits leave a conflict record and a notification for the overwritten user", async () => {
    const [alice, bob] = await Promise.all([openHome(ALICE), openHome(BOB)]);
    const id = await alice.addExpense("Train to Munich", "89.90");
    await bob.waitFor("the expense in bob's tab", (state, expenseId) => state.expenses.some((e) => e.id === expenseId && e.version === 1), id);
    await alice.waitFor("alice's create acknowledged in her tab", (state, expenseId) => !state.pending.includes(expenseId) && state.expenses.some((e) => e.id === expenseId), id);
    await Promise.all([alice.setOnline(false), bob.setOnline(false)]);
    for (const [tab, description] of [
      [bob, "Train to Munich (return)"],
      [alice, "Train to Munich, 1st class"],
    ] as const) {
      await tab.clickInRow(id, "Edit");
      await tab.fillExpenseForm(description, "120");
      await tab.page.click("#expense-save");
      await tab.waitFor("the edit pending", (state, expenseId) => state.pending.includes(expenseId), id);
    }
    // Bob's edit reaches the server first; Alice's, made from the same version, lands on top of it.
    await bob.setOnline(true);
    await bob.waitFor("bob's edit acknowledged", (state, expenseId) => !state.pending.includes(expenseId) && state.expenses.some((e) => e.id === expenseId && e.version === 2), id);
    await alice.setOnline(true);
    await bob.waitFor("the conflict notification in bob's tab", (state, expenseId) => state.notifications.some((n) => n.expenseId === expenseId), id, 90_000);

    const [conflict] = await eventually("the conflict record", async () => ((await conflictsOf(id)).length === 1 ? conflictsOf(id) : undefined));
    expect(conflict.winner).to.include({ updatedBy: "alice", version: 2, baseVersion: 1 });
    expect(conflict.overwritten).to.include({ updatedBy: "bob", version: 2 });
    expect(conflict.overwritten.data.description).to.equal("Train to Munich (return)");
    expect((await serverExpense(id))?.description).to.equal("Train to Munich, 1st class");

    const notificationId = (await bob.waitFor("one notification", (state) => state.notifications.length === 1)).notifications[0].id;
    await bob.clickButtonIn(`[data-notification-id="${notificationId}"]`, "See what changed");
    await bob.page.waitForSelector(`xpath///div[@data-notification-id="${notificationId}"]/p[contains(., 'Train to Munich (return)')]`);
    await bob.screenshot("3-conflict-notification");
    await bob.clickButtonIn(`[data-notification-id="${notificationId}"]`, "Dismiss");
    await bob.waitFor("the notification read", (state) => state.notifications.length === 0);
    const stored = await adminDb().doc(`users/bob/notifications/${notificationId}`).get();
    expect(stored.get("readAt"), "marked read on the server").to.not.equal(null);
  });

  it("scenario 4: a write made while requests fail is retried and lands once", async () => {
    const alice = await openHome(ALICE);
    alice.cutNetwork(true);
    const id = await alice.addExpense("Bakery, retried", "6.40");
    await eventually("a request to Firestore failing", async () => (alice.abortedRequests > 0 ? true : undefined));
    await alice.screenshot("4-network-failure-pending");
    await alice.waitFor("the write still pending", (state, expenseId) => state.pending.includes(expenseId), id);

    alice.cutNetwork(false);
    await alice.waitFor("the retried write acknowledged", (state, expenseId) => !state.pending.includes(expenseId) && state.expenses.some((e) => e.id === expenseId), id, 90_000);
    expect(await serverExpense(id)).to.include({ description: "Bakery, retried", version: 1 });
    expect(await expensesDescribed("Bakery, retried"), "one document").to.equal(1);
    expect(await conflictsOf(id), "no replay recorded as a conflict").to.have.length(0);
  });

  it("scenario 5: listeners reattach when the tab returns to the foreground, and catch up what happened meanwhile", async () => {
    const browserContext = await context();
    const alice = await openHome(ALICE, browserContext);
    const other = await browserContext.newPage();
    await other.bringToFront();
    await alice.waitFor("the tab hidden, its listeners detached", (state) => state.hidden && state.listeners === 0 && !state.polling);
    await alice.screenshot("5-hidden-no-listeners");

    const bob = await nodeDevice(BOB);
    devices.push(bob);
    const id = newExpenseId(bob, HOME);
    await createExpense(bob, HOME, id, homeExpense("bob", "Written while alice's tab was hidden")).acknowledged;
    await eventually("the server's raise", async () => ((await adminDb().doc(`groups/${HOME}`).get()).get("lastActivityAt")?.toMillis() >= (await serverExpense(id))?.updatedAt.toMillis() ? true : undefined));
    const hidden = await alice.state();
    expect(hidden.signedIn && hidden.expenses.some((e) => e.id === id), "a hidden tab receives nothing").to.equal(false);

    await alice.page.bringToFront();
    const back = await alice.waitFor("listeners back and the expense caught up", (state, expenseId) => !state.hidden && state.listeners === 2 && state.expenses.some((e) => e.id === expenseId), id);
    expect(back.openGroupId).to.equal(HOME);
    await alice.screenshot("5-foreground-caught-up");

    await editExpense(bob, HOME, id, 1, homeExpense("bob", "Edited after alice came back")).acknowledged;
    await alice.waitFor("a live edit through the reattached Tier 2", (state, expenseId) => state.expenses.some((e) => e.id === expenseId && e.version === 2), id);
  });

  it("an expense created offline survives closing the tab, and reaches the server exactly once when a tab reopened offline goes online", async () => {
    const browserContext = await context();
    const first = await openHome(ALICE, browserContext);
    await first.setOnline(false);
    const id = await first.addExpense("Dinner, queued across a restart", "45.00");
    await first.waitFor("the write pending", (state, expenseId) => state.pending.includes(expenseId), id);
    await first.close();

    const reopened = await lab.open(browserContext, ALICE, { offline: true, cutNetwork: true });
    await reopened.clickInPage(`button[data-group-id="${HOME}"]`);
    const offline = await reopened.waitFor("the queued write, from IndexedDB", (state, expenseId) => state.pending.includes(expenseId), id);
    expect(offline.mode, "no sync while offline since launch").to.equal(null);
    expect(offline.groups.map((group) => group.id), "the groups from the local database").to.include(HOME);
    expect(offline.expenses.length, "the replica from the local database").to.be.greaterThan(0);
    await reopened.screenshot("6-reopened-offline");
    expect(await serverExpense(id)).to.equal(undefined);

    reopened.cutNetwork(false);
    await reopened.setOnline(true);
    await reopened.waitFor("the write acknowledged and synced", (state, expenseId) => state.mode === "realtime" && !state.pending.includes(expenseId) && state.expenses.some((e) => e.id === expenseId), id);
    await reopened.screenshot("6-reopened-online");
    expect(await serverExpense(id)).to.include({ version: 1, createdBy: "alice", amountMinor: 4500 });
    expect(await expensesDescribed("Dinner, queued across a restart"), "exactly one document").to.equal(1);
    expect(await conflictsOf(id), "no second write of it").to.have.length(0);
  });

  it("a hidden tab holds no listeners; battery saver syncs by delta without any", async () => {
    const browserContext = await context();
    const page = await lab.open(browserContext, ALICE);
    await page.waitFor("realtime sync", (state) => state.mode === "realtime");
    await page.openGroup(HOME);
    await page.waitFor("two listeners", (state) => state.listeners === 2);
    const other = await browserContext.newPage();
    await other.bringToFront();
    // The background transition first lets writes in flight be acknowledged, then detaches.
    const hidden = await page.waitFor("hidden, and the background transition done", (state) => state.hidden && !state.syncing);
    expect(hidden.listeners).to.equal(0);
    expect(hidden.polling, "no polling in the background either").to.equal(false);
    await page.page.bringToFront();
    await page.waitFor("two listeners again", (state) => !state.hidden && state.listeners === 2);
    await other.close();

    // Battery saver, with its interval shortened for the test.
    const saver = await lab.open(await context(), ALICE, { params: { batterySaverMs: "1000" } });
    await saver.waitFor("realtime sync", (state) => state.mode === "realtime");
    await saver.openGroup(HOME);
    await saver.page.click("#battery-saver");
    await saver.waitFor("battery saver: polling, no listener", (state) => state.mode === "polling" && state.polling && state.listeners === 0);
    await saver.screenshot("7-battery-saver");
    const bob = await nodeDevice(BOB);
    devices.push(bob);
    const id = newExpenseId(bob, HOME);
    await createExpense(bob, HOME, id, homeExpense("bob", "Seen by a delta sync")).acknowledged;
    const synced = await saver.waitFor("bob's expense by delta sync", (state, expenseId) => state.expenses.some((e) => e.id === expenseId), id);
    expect(synced.listeners).to.equal(0);
    // Off again: realtime, with the open group's Tier 2 back.
    await saver.page.click("#battery-saver");
    await saver.waitFor("realtime with both listeners", (state) => state.mode === "realtime" && !state.polling && state.listeners === 2 && state.openGroupId !== null);
  });

  it("a cold start reads only the groups with news since its last session", async () => {
    const browserContext = await context();
    const first = await lab.open(browserContext, ALICE);
    const firstRun = await first.waitFor("every group synced", (state) => state.mode === "realtime" && !state.syncing && state.groups.length === 3);
    expect(firstRun.readsBySource.tier1, "the first start reads Tier 1 in full").to.equal(3);
    await first.page.evaluate(() => window.demo.session()?.saver.flush());
    const mark = Math.max(...(await Promise.all(["home-alice-bob", "tokyo-trip", "climbing-crew"].map(async (id) => (await adminDb().doc(`groups/${id}`).get()).get("lastActivityAt").toMillis()))));
    await first.close();

    const bob = await nodeDevice(BOB);
    devices.push(bob);
    const id = newExpenseId(bob, HOME);
    await createExpense(bob, HOME, id, homeExpense("bob", "News for alice's next start")).acknowledged;
    const raised = await eventually("the server's raise", async () => {
      const at = (await adminDb().doc(`groups/${HOME}`).get()).get("lastActivityAt").toMillis();
      return at > mark ? at : undefined;
    });

    const second = await lab.open(browserContext, ALICE);
    await second.openGroup(HOME);
    const caughtUp = await second.waitFor("bob's expense", (state, expenseId) => state.expenses.some((e) => e.id === expenseId), id);
    await second.screenshot("8-cold-start");
    // The groups a since-the-mark Tier 1 returns: the changed one, and any whose activity lies
    // within the overlap below the first session's mark.
    const expected = (await Promise.all(["home-alice-bob", "tokyo-trip", "climbing-crew"].map(async (groupId) => (await adminDb().doc(`groups/${groupId}`).get()).get("lastActivityAt").toMillis()))).filter(
      (at) => at > mark - TIER1_OVERLAP_MS,
    ).length;
    expect(raised).to.be.greaterThan(mark);
    expect(caughtUp.readsBySource.tier1, "Tier-1 reads on the cold start").to.equal(expected);
    expect(expected, "fewer than all groups").to.be.lessThan(3);
    expect(caughtUp.readsBySource.resync ?? 0, "no full resync").to.equal(0);
  });
});
