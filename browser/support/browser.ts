// Headless Chromium for the browser suite: the system's Chromium (a Debian package; nothing is
// downloaded), driven by puppeteer-core, and the demo app in it, one tab per DemoTab. Each user
// gets a browser context of their own, so their IndexedDB (Firestore's persistent cache, the
// client's LocalStore) is theirs alone, and survives closing a tab of that context.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { Browser, BrowserContext, HTTPRequest, Page } from "puppeteer-core";
import { PROJECT_ID, emulatorHostsFromEnv } from "../../tools/emulator";
import { DemoServer, startDemoServer } from "../../demo/server";
import type { DemoState } from "../../demo/state";

const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
export const SCREENSHOT_DIR = join(__dirname, "..", "..", "artifacts", "browser");

/** The browser binary: CHROMIUM_PATH, or the first system Chromium found; a clear error when there is none. */
export function chromiumPath(): string {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CHROMIUM_CANDIDATES;
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(
      `No Chromium at ${candidates.join(", ")}: install it with \`apt-get update && apt-get install -y chromium\` (Debian/Ubuntu; .ci/run does this) or set CHROMIUM_PATH to a Chrome or Chromium binary.`,
    );
  }
  return found;
}

export type SignedIn = Extract<DemoState, { signedIn: true }>;

/** The browser, the demo server, and the emulators' Firestore address (to cut a tab's network). */
export class BrowserLab {
  private constructor(
    readonly browser: Browser,
    readonly server: DemoServer,
    private readonly firestoreAddress: string,
  ) {}

  static async start(): Promise<BrowserLab> {
    const executablePath = chromiumPath();
    const hosts = emulatorHostsFromEnv();
    const server = await startDemoServer({ projectId: PROJECT_ID, hosts });
    try {
      // --no-sandbox: the sandbox cannot start as root (CI containers); the pages are our own.
      const browser = await puppeteer.launch({
        executablePath,
        headless: true,
        defaultViewport: { width: 1280, height: 900 },
        args: ["--no-sandbox", "--disable-dev-shm-usage"],
      });
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      return new BrowserLab(browser, server, `${hosts.firestore.host}:${hosts.firestore.port}`);
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  /** A user's own browser profile (storage included). */
  context(): Promise<BrowserContext> {
    return this.browser.createBrowserContext();
  }

  /** Opens the demo in a new tab of `context`, signed in as `email`; `offline` starts it with the network off. */
  async open(context: BrowserContext, email: string, { offline = false, cutNetwork = false, params = {} as Record<string, string> } = {}): Promise<DemoTab> {
    const page = await context.newPage();
    // tsx compiles the tests with esbuild's keepNames, which wraps functions in __name(): the
    // functions sent to the page need it too.
    await page.evaluateOnNewDocument("globalThis.__name = (target) => target;");
    const tab = new DemoTab(page, this.firestoreAddress);
    await tab.interceptNetwork(cutNetwork);
    const query = new URLSearchParams({ email, ...params, ...(offline ? { offline: "1" } : {}) });
    await page.goto(`${this.server.url}?${query}`);
    await tab.waitFor("signed in", (state) => state.signedIn);
    return tab;
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
  }
}

/** One tab of the demo app. */
export class DemoTab {
  private networkCut = false;
  /** Requests the cut network has failed so far. */
  abortedRequests = 0;
  private readonly pageErrors: string[] = [];

  constructor(
    readonly page: Page,
    private readonly firestoreAddress: string,
  ) {
    page.on("pageerror", (error) => this.pageErrors.push(String(error)));
  }

  /** Requests to the Firestore emulator fail while the network is cut, as they do with the cable out. */
  async interceptNetwork(cut: boolean): Promise<void> {
    this.networkCut = cut;
    await this.page.setRequestInterception(true);
    this.page.on("request", (request: HTTPRequest) => {
      if (request.isInterceptResolutionHandled()) return;
      if (this.networkCut && new URL(request.url()).host === this.firestoreAddress) {
        this.abortedRequests += 1;
        void request.abort("internetdisconnected");
      } else void request.continue();
    });
  }

  cutNetwork(cut: boolean): void {
    this.networkCut = cut;
  }

  state(): Promise<DemoState> {
    return this.page.evaluate(() => window.demo.state());
  }

  /**
   * Waits until the demo's state satisfies `predicate` (checked in the page every 50 ms, which
   * also runs in a hidden tab), and returns that state; fails naming `what` after the deadline.
   */
  async waitFor<A = undefined>(what: string, predicate: (state: SignedIn, arg: A) => boolean, arg?: A, timeoutMs = 30_000): Promise<SignedIn> {
    try {
      await this.page.waitForFunction(
        (source: string, argument: unknown) => {
          const state = window.demo?.state();
          // The predicate travels as source text (it cannot close over test variables: `arg` carries them).
          return state?.signedIn === true && (new Function("state", "arg", `return (${source})(state, arg);`) as (s: unknown, a: unknown) => boolean)(state, argument);
        },
        { polling: 50, timeout: timeoutMs },
        predicate.toString(),
        arg ?? null,
      );
    } catch (error) {
      const state = await this.state().catch(() => undefined);
      // The replica in short: ids and versions are what the predicates look at.
      const summary = state?.signedIn ? { ...state, expenses: state.expenses.map((expense) => `${expense.id}@${expense.version}${expense.deleted ? "-deleted" : ""}`) } : state;
      throw new Error(`Timed out waiting for ${what}: ${(error as Error).message}; state ${JSON.stringify(summary)}; page errors ${JSON.stringify(this.pageErrors)}`);
    }
    return (await this.state()) as SignedIn;
  }

  /** Clicks the group in the list once it is listed and the session is settled, then waits until it is open and synced. */
  async openGroup(groupId: string): Promise<void> {
    await this.waitFor(`group ${groupId} listed`, (state, id) => !state.syncing && state.groups.some((group) => group.id === id), groupId);
    await this.clickInPage(`button[data-group-id="${groupId}"]`);
    await this.waitFor(`group ${groupId} open`, (state, id) => state.openGroupId === id && !state.syncing && state.listeners + Number(state.polling) > 0, groupId);
  }

  /**
   * Clicks the first element matching `selector`, found and clicked in one step inside the page:
   * the lists are redrawn on every change, so a handle held across two steps could point at an
   * element already replaced.
   */
  async clickInPage(selector: string): Promise<void> {
    await this.page.waitForSelector(selector);
    const clicked = await this.page.evaluate((wanted: string) => {
      const found = document.querySelector(wanted) as HTMLElement | null;
      found?.click();
      return found !== null;
    }, selector);
    if (!clicked) throw new Error(`nothing matches ${selector}`);
  }

  /** Types an expense into the form and submits it; resolves with its id once the page shows it (pending or synced). */
  async addExpense(description: string, amount: string): Promise<string> {
    const before = await this.waitFor("the page ready", () => true);
    const known = [...before.expenses.map((expense) => expense.id), ...before.pending];
    await this.fillExpenseForm(description, amount);
    await this.page.click("#expense-save");
    const after = await this.waitFor(
      `the new expense "${description}"`,
      (state, ids) => state.pending.some((id) => !ids.includes(id)) || state.expenses.some((expense) => !ids.includes(expense.id)),
      known,
    );
    const added = [...after.pending, ...after.expenses.map((expense) => expense.id)].filter((id) => !known.includes(id));
    if (added.length !== 1) throw new Error(`expected one new expense after adding "${description}", found ${JSON.stringify(added)}`);
    return added[0];
  }

  async fillExpenseForm(description: string, amount: string): Promise<void> {
    await this.page.$eval("#expense-description", (input) => ((input as HTMLInputElement).value = ""));
    await this.page.type("#expense-description", description);
    await this.page.$eval("#expense-amount", (input) => ((input as HTMLInputElement).value = ""));
    await this.page.type("#expense-amount", amount);
  }

  /** Clicks a button in the row of an expense (Edit, Delete, Restore), in one step (see clickInPage). */
  async clickInRow(expenseId: string, label: string): Promise<void> {
    await this.clickButtonIn(`li[data-expense-id="${expenseId}"]`, label);
  }

  /**
   * Clicks the button labelled `label` inside the first element matching `selector` as soon as
   * there is one (a pending row has none until the server acknowledges it), found and clicked in
   * one step (see clickInPage); fails after the deadline.
   */
  async clickButtonIn(selector: string, label: string, timeoutMs = 30_000): Promise<void> {
    try {
      await this.page.waitForFunction(
        (within: string, text: string) => {
          const found = Array.from(document.querySelectorAll(`${within} button`)).find((candidate) => candidate.textContent === text);
          (found as HTMLButtonElement | undefined)?.click();
          return found !== undefined;
        },
        { polling: 50, timeout: timeoutMs },
        selector,
        label,
      );
    } catch (error) {
      throw new Error(`${selector} showed no "${label}" button: ${(error as Error).message}`);
    }
  }

  /** The demo's offline/online toggle (the SDK's disableNetwork/enableNetwork). */
  async setOnline(online: boolean): Promise<void> {
    await this.page.click("#network-toggle");
    await this.waitFor(online ? "online" : "offline", online ? (state) => state.online : (state) => !state.online);
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) as `${string}.png`, fullPage: true });
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
