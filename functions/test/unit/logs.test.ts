// The log catalogue: what each function writes, that the runbook lists exactly these events, and
// that nothing in the deployed code logs around it.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as logs from "../../src/logs";
import { LOG_EVENTS, LogEventSpec } from "../../src/logs";
import { capturedLogs } from "../support/capture";

const ROOT = join(__dirname, "../../..");
const SRC = join(ROOT, "functions/src");

/** The exported log functions, by name. */
const logFunctions = Object.entries(logs).filter(
  (entry): entry is [string, ((fields: object) => void) & { spec: LogEventSpec }] => typeof entry[1] === "function" && "spec" in entry[1],
);

const codeSpans = (cell = "") => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

/** The rows of the runbook's log table (docs/operations.md, section "Logs"), as catalogue entries. */
function documentedEvents(): LogEventSpec[] {
  const markdown = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
  const section = markdown.split(/^## /m).find((part) => /^\d+\. Logs\s*\n/.test(part));
  if (section === undefined) throw new Error('docs/operations.md has no "Logs" section');
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      const [event, message, severity, fields] = line.split("|").slice(1, -1).map((cell) => cell.trim());
      return { event: codeSpans(event)[0], message: codeSpans(message)[0], severity, fields: codeSpans(fields) } as LogEventSpec;
    });
}

const byEvent = (specs: readonly LogEventSpec[]) => new Map(specs.map((spec) => [spec.event, { ...spec, fields: [...spec.fields].sort() }]));

describe("log catalogue", () => {
  it("names every event once, as area.what-happened, with a message of its own", () => {
    const events = LOG_EVENTS.map((spec) => spec.event);
    expect(new Set(events).size).to.equal(events.length);
    expect(new Set(LOG_EVENTS.map((spec) => spec.message)).size).to.equal(events.length);
    for (const event of events) expect(event).to.match(/^[a-z-]+\.[a-z-]+$/);
  });

  it("lists every exported log function, and nothing else", () => {
    expect(logFunctions.map(([, log]) => log.spec)).to.have.members([...LOG_EVENTS]);
    expect(logFunctions).to.have.length(LOG_EVENTS.length);
  });

  for (const [name, log] of logFunctions) {
    it(`${name} writes ${log.spec.event} with its message, severity and fields`, async () => {
      const fields = Object.fromEntries(log.spec.fields.map((field, i) => [field, `value ${i}`]));
      const entries = await capturedLogs(() => log(fields));
      expect(entries).to.have.length(1);
      expect(entries[0]).to.deep.equal({ ...fields, event: log.spec.event, message: log.spec.message, severity: log.spec.severity });
    });
  }

  it("logs an error as its message (an Error serializes to {})", async () => {
    const entries = await capturedLogs(() => logs.logPurgeRunFailed({ runId: "r1", error: new Error("DEADLINE_EXCEEDED") }));
    expect(entries[0]).to.deep.include({ runId: "r1", error: "DEADLINE_EXCEEDED" });
  });

  it("keeps the message of an ERROR event as catalogued (no stack trace in its place)", async () => {
    const entries = await capturedLogs(() => logs.logEventDropped({ trigger: "t", eventId: "e", path: "p", outcome: "dropped-too-old", ageSeconds: 2, maxAgeSeconds: 1 }));
    expect(entries[0]).to.deep.include({ severity: "ERROR", message: logs.logEventDropped.spec.message });
  });
});

describe("log catalogue in docs/operations.md", () => {
  // Read in a hook, so that a runbook the parser cannot read fails a test rather than the load.
  let documented: LogEventSpec[];
  before(() => {
    documented = documentedEvents();
  });

  it("documents each event once", () => {
    const events = documented.map((spec) => spec.event);
    expect(events.length).to.be.greaterThan(0);
    expect(new Set(events).size, events.join(", ")).to.equal(events.length);
  });

  it("documents no event the functions do not emit", () => {
    const emitted = new Set(LOG_EVENTS.map((spec) => spec.event));
    expect(documented.map((spec) => spec.event).filter((event) => !emitted.has(event))).to.deep.equal([]);
  });

  it("documents every event the functions emit", () => {
    const listed = new Set(documented.map((spec) => spec.event));
    expect(LOG_EVENTS.map((spec) => spec.event).filter((event) => !listed.has(event))).to.deep.equal([]);
  });

  it("gives each event the message, severity and fields it is logged with", () => {
    const docs = byEvent(documented);
    for (const [event, spec] of byEvent(LOG_EVENTS)) expect(docs.get(event), event).to.deep.equal(spec);
  });
});

describe("deployed code", () => {
  it("logs only through the catalogue: no other module imports firebase-functions/logger", () => {
    const importers = readdirSync(SRC)
      .filter((file) => file.endsWith(".ts") && file !== "logs.ts")
      .filter((file) => /from\s+["']firebase-functions\/logger["']|require\(\s*["']firebase-functions\/logger["']\s*\)/.test(readFileSync(join(SRC, file), "utf8")));
    expect(importers).to.deep.equal([]);
  });
});
