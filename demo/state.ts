// What the demo server tells the page, and what the page tells the browser tests (window.demo.state()).
import type { EmulatorHosts } from "@expense-sync/client";

export interface DemoConfig {
  projectId: string;
  hosts: EmulatorHosts;
}

export interface DemoExpense {
  id: string;
  description: string;
  amountMinor: number;
  version: number;
  deleted: boolean;
}

export type DemoState =
  | { signedIn: false; error: string }
  | {
      signedIn: true;
      uid: string;
      error: string;
      mode: "realtime" | "polling" | null;
      /** A foreground or background transition is running (attaching, catching up, detaching). */
      syncing: boolean;
      online: boolean;
      hidden: boolean;
      /** Snapshot listeners the client holds open. */
      listeners: number;
      polling: boolean;
      /** Billed reads since sign-in, in total and by where they came from. */
      reads: number;
      readsBySource: Record<string, number>;
      groups: Array<{ id: string; name: string; memberNames: Record<string, string | null> }>;
      openGroupId: string | null;
      /** The open group's replica, deleted expenses included. */
      expenses: DemoExpense[];
      /** Expense ids with a write the server has not acknowledged. */
      pending: string[];
      notifications: Array<{ id: string; expenseId: string }>;
      failures: number;
    };
