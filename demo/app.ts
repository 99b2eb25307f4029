// The demo app: a plain page on top of @expense-sync/client, to look at the sync working and for
// the browser tests to drive (they read window.demo.state()). Everything it shows comes from the
// package's LocalStore (kept in IndexedDB), the Firestore SDK's persistent cache (pending writes)
// and the package's read meter.
import {
  Device,
  ExpenseFields,
  ExpenseRecord,
  GroupRecord,
  LocalStore,
  ReadMeter,
  StoreSaver,
  SyncClient,
  UnreadNotification,
  VisibilityFollower,
  createExpense,
  editExpense,
  expenseFieldsOf,
  fetchConflict,
  followVisibility,
  indexedDbStorage,
  isStale,
  keepStoreSaved,
  markNotificationRead,
  newExpenseId,
  pendingExpenseWrites,
  restoreExpense,
  softDeleteExpense,
} from "@expense-sync/client";
import { DocumentData, Timestamp } from "firebase/firestore";
import type { DemoConfig, DemoState } from "./state";

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text = "", className = ""): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  created.textContent = text;
  if (className) created.className = className;
  return created;
}

function button(text: string, onClick: () => unknown, className = ""): HTMLButtonElement {
  const created = element("button", text, className);
  created.addEventListener("click", () => void run(onClick));
  return created;
}

/** Minor units of a currency (2 for EUR, 0 for JPY), as the browser's Intl knows them. */
function minorDigits(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

function formatAmount(amountMinor: number, currency: string): string {
  return new Intl.NumberFormat("en", { style: "currency", currency }).format(amountMinor / 10 ** minorDigits(currency));
}

/** An equal split in minor units that adds up exactly: the remainder goes one unit each to the first members. */
function equalSplits(amountMinor: number, memberIds: string[]): Record<string, number> {
  const share = Math.floor(amountMinor / memberIds.length);
  const remainder = amountMinor - share * memberIds.length;
  return Object.fromEntries(memberIds.map((uid, index) => [uid, share + (index < remainder ? 1 : 0)]));
}

interface Session {
  device: Device;
  store: LocalStore;
  client: SyncClient;
  meter: ReadMeter;
  saver: StoreSaver;
  /** Syncing with the page's visibility; not yet when the app started offline (it starts when the network is back). */
  visibility?: VisibilityFollower;
}

let session: Session | undefined;
let openGroupId: string | undefined;
let editing: { id: string; record: ExpenseRecord } | undefined;
let pending: Array<[string, DocumentData]> = [];
let lastError = "";

function showError(error: unknown): void {
  lastError = error instanceof Error ? error.message : String(error);
  byId("app-error").textContent = lastError;
}

async function run(action: () => unknown): Promise<void> {
  try {
    await action();
  } catch (error) {
    showError(error);
  }
  render();
}

function sortedGroups(store: LocalStore): Array<[string, GroupRecord]> {
  return [...store.groups]
    .filter(([, group]) => !group.deletedAt)
    .sort(([, a], [, b]) => (b.lastActivityAt?.toMillis() ?? 0) - (a.lastActivityAt?.toMillis() ?? 0));
}

function nameOf(uid: string): string {
  if (uid === session?.device.uid) return "you";
  return session?.store.nameOf(uid) ?? "a former member";
}

async function openGroup(groupId: string): Promise<void> {
  const current = session;
  if (!current) return;
  openGroupId = groupId;
  editing = undefined;
  render();
  // Before sync has started (offline since launch) the page shows the local database only.
  if (current.visibility) await current.client.open(groupId);
}

/** Syncs from now on, while the page is visible; the open group becomes the active one. */
function startSyncing(current: Session): void {
  current.visibility ??= followVisibility(current.client, document, { onError: showError, activeGroupId: openGroupId });
}

async function setOnline(online: boolean): Promise<void> {
  const current = session;
  if (!current) return;
  if (!online) return current.device.goOffline();
  await current.device.goOnline();
  startSyncing(current);
}

async function saveExpense(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const current = session;
  const group = openGroupId ? current?.store.groups.get(openGroupId) : undefined;
  if (!current || !openGroupId || !group) return;
  const currency = group.settings.defaultCurrency;
  const description = byId<HTMLInputElement>("expense-description").value.trim();
  const amountMinor = Math.round(Number(byId<HTMLInputElement>("expense-amount").value) * 10 ** minorDigits(currency));
  const fields: ExpenseFields = editing
    ? { ...expenseFieldsOf(editing.record), description, amountMinor, splits: equalSplits(amountMinor, Object.keys(editing.record.splits)) }
    : { description, amountMinor, currency, paidBy: current.device.uid, splits: equalSplits(amountMinor, group.memberIds), spentAt: Timestamp.now() };
  const write = editing
    ? editExpense(current.device, openGroupId, editing.id, editing.record.version, fields)
    : createExpense(current.device, openGroupId, newExpenseId(current.device, openGroupId), fields);
  editing = undefined;
  byId<HTMLFormElement>("expense-form").reset();
  // The write is queued (and shown as pending) at once; a refusal shows when the server answers.
  write.acknowledged.catch(showError);
}

function startEditing(id: string, record: ExpenseRecord): void {
  editing = { id, record };
  byId<HTMLInputElement>("expense-description").value = record.description;
  byId<HTMLInputElement>("expense-amount").value = String(record.amountMinor / 10 ** minorDigits(record.currency));
}

/** Notification id → what the conflict record says was lost, once the user asked. */
const conflictDetails = new Map<string, string>();

async function showConflict({ id, notification }: UnreadNotification): Promise<void> {
  const current = session;
  if (!current) return;
  const conflict = await fetchConflict(current.device, notification.groupId, notification.conflictId);
  const lost = conflict.overwritten.data as Partial<ExpenseFields>;
  conflictDetails.set(id, `You had "${lost.description}" at ${formatAmount(lost.amountMinor ?? 0, lost.currency ?? "EUR")}; ${nameOf(conflict.winner.updatedBy)}'s edit, made without seeing yours, is what the group now has.`);
}

async function dismissConflict(id: string): Promise<void> {
  const current = session;
  if (!current) return;
  await markNotificationRead(current.device, id).acknowledged;
  conflictDetails.delete(id);
  await current.client.refreshNotifications();
}

function renderGroups(current: Session): void {
  const list = byId("group-list");
  list.replaceChildren(
    ...sortedGroups(current.store).map(([groupId, group]) => {
      const item = element("li");
      const news = current.store.has(groupId) && isStale(current.store.replica(groupId), group);
      const open = button(group.displayName, () => openGroup(groupId), `link grow${groupId === openGroupId ? " active" : ""}${news ? " news" : ""}`);
      open.dataset.groupId = groupId;
      item.append(open, element("small", group.lastActivityAt?.toDate().toLocaleString() ?? ""));
      return item;
    }),
  );
}

function renderExpenses(current: Session): void {
  const group = openGroupId ? current.store.groups.get(openGroupId) : undefined;
  byId("group-title").textContent = group ? group.displayName : "Open a group";
  byId("expense-form").hidden = !group;
  byId("expense-save").textContent = editing ? "Save" : "Add";
  byId("expense-cancel").hidden = !editing;
  if (!openGroupId || !group) {
    byId("expense-list").replaceChildren();
    byId("deleted-list").replaceChildren();
    return;
  }
  const groupId = openGroupId;
  const replica = current.store.replica(groupId);
  const pendingItems = pending.map(([id, data]) => {
    const item = element("li", "", "pending");
    item.dataset.expenseId = id;
    item.append(element("span", `${String(data.description ?? "(deleted)")} — waiting for the server`, "grow"));
    return item;
  });
  const pendingIds = new Set(pending.map(([id]) => id));
  const live = replica
    .visible()
    .filter(([id]) => !pendingIds.has(id))
    .sort(([, a], [, b]) => b.spentAt.toMillis() - a.spentAt.toMillis())
    .map(([id, record]) => {
      const item = element("li");
      item.dataset.expenseId = id;
      item.append(
        element("span", record.description, "grow"),
        element("span", `${formatAmount(record.amountMinor, record.currency)} · ${nameOf(record.paidBy)} paid · v${record.version}`),
        button("Edit", () => startEditing(id, record), "link"),
        button("Delete", () => softDeleteExpense(current.device, groupId, id, record.version).acknowledged.catch(showError), "link"),
      );
      return item;
    });
  byId("expense-list").replaceChildren(...pendingItems, ...live);
  const deleted = [...replica.expenses].filter(([id, record]) => record.deletedAt !== null && !pendingIds.has(id));
  byId("deleted-list").replaceChildren(
    ...deleted.map(([id, record]) => {
      const item = element("li");
      item.dataset.expenseId = id;
      item.append(element("span", record.description, "grow"), button("Restore", () => restoreExpense(current.device, groupId, id, record.version).acknowledged.catch(showError), "link"));
      return item;
    }),
  );
}

function renderNotifications(current: Session): void {
  byId("notification-list").replaceChildren(
    ...current.client.notifications.map((unread) => {
      const notice = element("div", "", "notice");
      notice.dataset.notificationId = unread.id;
      const details = conflictDetails.get(unread.id);
      notice.append(
        element("span", `Your edit in ${current.store.groups.get(unread.notification.groupId)?.displayName ?? "a group"} was overwritten. `),
        details ? element("p", details) : button("See what changed", () => showConflict(unread), "link"),
        button("Dismiss", () => dismissConflict(unread.id), "link"),
      );
      return notice;
    }),
  );
}

function renderSyncPanel(current: Session): void {
  const rows: Array<[string, string]> = [
    ["mode", current.client.mode ?? (current.visibility ? "starting" : "local only (offline since launch)")],
    ["network", current.device.online ? "online" : "offline"],
    ["listeners", String(current.client.listenerCount)],
    ["reads", String(current.meter.billedReads())],
    ["pending writes", String(pending.length)],
    ["page", document.hidden ? "hidden" : "visible"],
  ];
  byId("sync-panel").replaceChildren(...rows.flatMap(([term, value]) => [element("dt", term), Object.assign(element("dd", value), { id: `sync-${term.replace(" ", "-")}` })]));
  byId("network-toggle").textContent = current.device.online ? "Go offline" : "Go online";
  byId("connection").textContent = current.device.online ? "online" : "offline";
}

function render(): void {
  const current = session;
  byId("signin").hidden = current !== undefined;
  byId("layout").hidden = current === undefined;
  if (!current) return;
  byId("who").textContent = current.store.nameOf(current.device.uid) ?? current.device.auth.currentUser?.email ?? "";
  renderGroups(current);
  renderExpenses(current);
  renderNotifications(current);
  renderSyncPanel(current);
}

let refreshQueued = false;

/**
 * Pending writes live in the SDK's cache, which fires no event of ours: looked up after changes
 * and twice a second. A burst of changes (a catch-up applies each expense) makes one look-up and
 * one redraw.
 */
function refreshSoon(): void {
  if (refreshQueued) return;
  refreshQueued = true;
  setTimeout(() => {
    refreshQueued = false;
    const current = session;
    const groupId = openGroupId;
    const lookUp = current && groupId ? pendingExpenseWrites(current.device, groupId).catch(() => pending) : Promise.resolve([]);
    void lookUp.then((found) => {
      pending = found;
      render();
    });
  }, 0);
}

interface LaunchOptions {
  startOffline: boolean;
  /** Battery saver's sync interval (the tests shorten it). */
  batterySaverIntervalMs?: number;
}

async function signIn(config: DemoConfig, email: string, password: string, { startOffline, batterySaverIntervalMs }: LaunchOptions): Promise<void> {
  const device = await Device.open({ label: `demo-${email}`, credentials: { email, password }, projectId: config.projectId, hosts: config.hosts, cache: "persistent" });
  if (startOffline) await device.goOffline();
  const storage = indexedDbStorage(`expense-sync-demo-${device.uid}`);
  const store = LocalStore.fromSnapshot(await storage.load());
  const meter = new ReadMeter();
  const client = new SyncClient(device, store, { meter, batterySaverIntervalMs });
  const saver = keepStoreSaved(store, storage, { onError: showError });
  store.changed.subscribe(refreshSoon);
  session = { device, store, client, meter, saver };
  if (!startOffline) startSyncing(session);
  render();
}

function state(): DemoState {
  const current = session;
  if (!current) return { signedIn: false, error: lastError };
  const replica = openGroupId ? current.store.replica(openGroupId) : undefined;
  return {
    signedIn: true,
    uid: current.device.uid,
    error: lastError,
    mode: current.client.mode ?? null,
    syncing: current.visibility?.busy ?? false,
    online: current.device.online,
    hidden: document.hidden,
    listeners: current.client.listenerCount,
    polling: current.client.polls,
    reads: current.meter.billedReads(),
    readsBySource: Object.fromEntries([...current.meter.bySource.keys()].map((source) => [source, current.meter.billedReads(source)])),
    groups: sortedGroups(current.store).map(([id, group]) => ({ id, name: group.displayName, memberNames: group.memberNames ?? {} })),
    openGroupId: openGroupId ?? null,
    expenses: replica ? [...replica.expenses].map(([id, record]) => ({ id, description: record.description, amountMinor: record.amountMinor, version: record.version, deleted: record.deletedAt !== null })) : [],
    pending: pending.map(([id]) => id),
    notifications: current.client.notifications.map(({ id, notification }) => ({ id, expenseId: notification.expenseId })),
    failures: current.client.failures.length,
  };
}

async function main(): Promise<void> {
  const config = (await (await fetch("/config.json")).json()) as DemoConfig;
  const params = new URLSearchParams(location.search);
  const launch: LaunchOptions = {
    startOffline: params.get("offline") === "1",
    batterySaverIntervalMs: params.has("batterySaverMs") ? Number(params.get("batterySaverMs")) : undefined,
  };
  byId<HTMLFormElement>("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    byId("signin-error").textContent = "";
    signIn(config, byId<HTMLInputElement>("email").value.trim(), byId<HTMLInputElement>("password").value, launch).catch((error: Error) => {
      byId("signin-error").textContent = `Sign-in failed: ${error.message}`;
    });
  });
  byId<HTMLFormElement>("expense-form").addEventListener("submit", (event) => void run(() => saveExpense(event)));
  byId("expense-cancel").addEventListener("click", () => {
    editing = undefined;
    byId<HTMLFormElement>("expense-form").reset();
    render();
  });
  byId("network-toggle").addEventListener("click", () => void run(() => setOnline(!session?.device.online)));
  byId<HTMLInputElement>("battery-saver").addEventListener("change", (event) =>
    void run(() => session?.client.setBatterySaver((event.target as HTMLInputElement).checked)),
  );
  document.addEventListener("visibilitychange", render);
  setInterval(refreshSoon, 500);
  window.demo = { state, session: () => session, openGroup: (groupId: string) => run(() => openGroup(groupId)) };
  const email = params.get("email");
  if (email) await signIn(config, email, params.get("password") ?? "password123", launch).catch(showError);
  render();
}

declare global {
  interface Window {
    demo: { state: () => DemoState; session: () => Session | undefined; openGroup: (groupId: string) => Promise<void> };
  }
}

void main();
