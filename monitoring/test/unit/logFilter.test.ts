// The filter subset the metrics use, evaluated as Cloud Logging does: AND, lists of alternatives,
// severities in order, numbers as numbers, strings without regard to case, a missing field never
// matching; and anything outside the subset refused rather than guessed at.
import { expect } from "chai";
import { LogEntry, LogFilterError, matchesFilter, parseExtractor, parseLogFilter, requiredValues } from "../../logFilter";

function entry(jsonPayload: Record<string, unknown>, severity = "INFO", service = "expensechanged"): LogEntry {
  return { resource: { type: "cloud_run_revision", labels: { service_name: service } }, severity, jsonPayload };
}

const matches = (filter: string, subject: LogEntry) => matchesFilter(parseLogFilter(filter), subject);

describe("log filter subset: parsing", () => {
  it("reads comparisons joined by AND, and a parenthesized list of alternatives", () => {
    expect(parseLogFilter('resource.type="cloud_run_revision" AND jsonPayload.event=("a.b" OR "c.d")')).to.deep.equal([
      { path: ["resource", "type"], operator: "=", values: ["cloud_run_revision"] },
      { path: ["jsonPayload", "event"], operator: "=", values: ["a.b", "c.d"] },
    ]);
  });

  it("reads unquoted values, spacing and escaped quotes", () => {
    expect(parseLogFilter('severity >= ERROR AND jsonPayload.lagMs>10000 AND jsonPayload.message="say \\"hi\\""')).to.deep.equal([
      { path: ["severity"], operator: ">=", values: ["ERROR"] },
      { path: ["jsonPayload", "lagMs"], operator: ">", values: ["10000"] },
      { path: ["jsonPayload", "message"], operator: "=", values: ['say "hi"'] },
    ]);
  });

  for (const [unsupported, reason] of [
    ['jsonPayload.event="a" OR jsonPayload.event="b"', /only AND/],
    ['NOT jsonPayload.event="a"', /expected a field/],
    ['jsonPayload.path:"groups/"', /unsupported operator ":"/],
    ['jsonPayload.event!="a"', /unsupported operator "!="/],
    ['textPayload="boom"', /unsupported field textPayload/],
    ['jsonPayload.event="a" AND', /ends too early/],
    ['jsonPayload.event=("a" "b")', /expected OR or \)/],
    ['jsonPayload.event=("a" OR "b"', /ends too early/],
    ['jsonPayload.event="unterminated', /unexpected/],
  ] as const) {
    it(`refuses ${unsupported}`, () => {
      expect(() => parseLogFilter(unsupported)).to.throw(LogFilterError, reason);
    });
  }
});

describe("log filter subset: matching", () => {
  it("requires every comparison, and any one of a list's alternatives", () => {
    const filter = 'resource.type="cloud_run_revision" AND jsonPayload.event=("trigger.a" OR "trigger.b")';
    expect(matches(filter, entry({ event: "trigger.a" }))).to.equal(true);
    expect(matches(filter, entry({ event: "trigger.b" }))).to.equal(true);
    expect(matches(filter, entry({ event: "trigger.c" }))).to.equal(false);
    expect(matches(filter, { ...entry({ event: "trigger.a" }), resource: { type: "cloud_function", labels: {} } })).to.equal(false);
  });

  it("orders severities: ERROR and above pass >=ERROR, WARNING and an unset severity do not", () => {
    const filter = "severity>=ERROR";
    expect(["ERROR", "CRITICAL", "EMERGENCY"].map((severity) => matches(filter, entry({}, severity)))).to.deep.equal([true, true, true]);
    expect(["WARNING", "INFO", "DEFAULT"].map((severity) => matches(filter, entry({}, severity)))).to.deep.equal([false, false, false]);
  });

  it("refuses a severity comparison with a value that is not a severity", () => {
    expect(() => matches("severity>=LOUD", entry({}))).to.throw(LogFilterError, /not a severity/);
  });

  it("compares numbers as numbers, nested fields included", () => {
    expect(matches("jsonPayload.lagMs>10000", entry({ lagMs: 10_001 }))).to.equal(true);
    expect(matches("jsonPayload.lagMs>10000", entry({ lagMs: 9_999.5 }))).to.equal(false);
    expect(matches("jsonPayload.lagMs>10000", entry({ lagMs: 10_000 }))).to.equal(false);
    expect(matches("jsonPayload.deleted.expenses>=1", entry({ deleted: { expenses: 2 } }))).to.equal(true);
    expect(matches("jsonPayload.deleted.expenses>=1", entry({ deleted: { expenses: 0 } }))).to.equal(false);
  });

  it("compares booleans by value and strings without regard to case", () => {
    expect(matches("jsonPayload.complete=false", entry({ complete: false }))).to.equal(true);
    expect(matches("jsonPayload.complete=false", entry({ complete: true }))).to.equal(false);
    expect(matches('jsonPayload.kind="NORMALIZED"', entry({ kind: "normalized" }))).to.equal(true);
  });

  it("never matches a missing field, or a null or object one", () => {
    expect(matches('jsonPayload.kind="normalized"', entry({}))).to.equal(false);
    expect(matches("jsonPayload.lagMs>1", entry({ lagMs: null }))).to.equal(false);
    expect(matches('jsonPayload.deleted="x"', entry({ deleted: { x: 1 } }))).to.equal(false);
  });

  it("tells which values a filter requires of a field", () => {
    const filter = parseLogFilter('resource.type="cloud_run_revision" AND jsonPayload.event=("a" OR "b")');
    expect(requiredValues(filter, "jsonPayload.event")).to.deep.equal(["a", "b"]);
    expect(requiredValues(filter, "jsonPayload.kind")).to.equal(undefined);
  });
});

describe("log filter subset: extractors", () => {
  it("reads the field of EXTRACT(field)", () => {
    expect(parseExtractor("EXTRACT(jsonPayload.lagMs)")).to.deep.equal(["jsonPayload", "lagMs"]);
    expect(parseExtractor(" EXTRACT(resource.labels.service_name) ")).to.deep.equal(["resource", "labels", "service_name"]);
  });

  it("refuses REGEXP_EXTRACT and fields outside the entry", () => {
    expect(() => parseExtractor('REGEXP_EXTRACT(jsonPayload.path, "groups/([^/]+)")')).to.throw(LogFilterError, /only EXTRACT/);
    expect(() => parseExtractor("EXTRACT(textPayload)")).to.throw(LogFilterError, /unsupported field/);
  });
});
