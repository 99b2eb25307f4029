// validateMonitoring on the repository's monitoring/ (no problems) and on broken copies of it (the
// problem named), and what the files must keep saying about the code and the runbook.
import { expect } from "chai";
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PURGED_KINDS } from "../../../functions/src/purgeRuns";
import { TRIGGER_OUTCOMES } from "../../../functions/src/outcomes";
import { CONFIG_DIRS, MONITORING_DIR, readMonitoringConfig } from "../../config";
import { parseLogFilter, requiredValues } from "../../logFilter";
import { validateMonitoring } from "../../validate";

const ROOT = join(__dirname, "../../..");
const { config } = readMonitoringConfig(ROOT);
const metric = (name: string) => config.metrics.find(({ resource }) => resource.name === name)?.resource;
const eventsOf = (name: string) => requiredValues(parseLogFilter(metric(name)?.filter ?? ""), "jsonPayload.event");

describe("monitoring/ as committed", () => {
  it("has no problems", () => {
    expect(validateMonitoring(ROOT)).to.deep.equal([]);
  });

  it("has the metrics, policies and dashboard the runbook describes", () => {
    expect(config.metrics.map(({ resource }) => resource.name)).to.have.members([
      "trigger_runs",
      "trigger_lag",
      "trigger_errors",
      "trigger_dropped",
      "invalid_documents",
      "legacy_writes",
      "purge_runs",
      ...PURGED_KINDS.map((kind) => `purge_deleted_${kind}`),
    ]);
    expect(config.alerts).to.have.length(7);
    expect(config.dashboards).to.have.length(1);
  });

  it("counts every trigger outcome in trigger_runs, each by its own run event", () => {
    expect(eventsOf("trigger_runs")).to.have.members(TRIGGER_OUTCOMES.map((outcome) => `trigger.${outcome}`));
  });

  it("times only the runs that applied a change", () => {
    expect(eventsOf("trigger_lag")).to.have.members(["trigger.activity-raised", "trigger.invalid-document", "trigger.conflict-recorded"]);
  });

  it("has one per-run distribution for each kind the purge deletes", () => {
    for (const kind of PURGED_KINDS) expect(metric(`purge_deleted_${kind}`)?.valueExtractor, kind).to.equal(`EXTRACT(jsonPayload.deleted.${kind})`);
  });

  it("puts the lag alert's threshold on a bucket bound, so the alert does not rest on interpolation", () => {
    const lagAlert = config.alerts.find(({ path }) => path.endsWith("trigger-lag.json"))?.resource;
    const threshold = (lagAlert?.conditions[0].conditionThreshold as { thresholdValue: number }).thresholdValue;
    expect(threshold).to.equal(10_000);
    expect((metric("trigger_lag")?.bucketOptions?.explicitBuckets as { bounds: number[] }).bounds).to.include(threshold);
  });

  it("ships the legacy-writes alert disabled (enabled when the window closes) and every other one enabled", () => {
    const disabled = config.alerts.filter(({ resource }) => resource.enabled === false).map(({ path }) => path);
    expect(disabled).to.deep.equal([join(MONITORING_DIR, CONFIG_DIRS.alerts, "legacy-writes-after-window.json")]);
  });

  it("points every alert at a runbook entry that exists in docs/operations.md, section 2", () => {
    const markdown = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
    const section = markdown.split(/^## /m).find((part) => part.startsWith("2. Sync-health metrics")) ?? "";
    for (const { path, resource } of config.alerts) {
      const entry = /docs\/operations\.md, section 2, "([^"]+)"/.exec(resource.documentation?.content ?? "")?.[1];
      expect(entry, `${path} names no runbook entry`).to.be.a("string");
      expect(section, `${path}: "${entry}"`).to.include(`**${entry}**`);
    }
  });
});

describe("validateMonitoring on a broken copy", () => {
  let root: string;
  const dir = (kind: keyof typeof CONFIG_DIRS) => join(root, MONITORING_DIR, CONFIG_DIRS[kind]);
  const edit = (path: string, change: (json: Record<string, unknown>) => void) => {
    const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    change(json);
    writeFileSync(path, JSON.stringify(json));
  };
  const editMetric = (name: string, change: (json: Record<string, unknown>) => void) => edit(join(dir("metrics"), `${name}.json`), change);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "monitoring-"));
    for (const kind of Object.keys(CONFIG_DIRS) as (keyof typeof CONFIG_DIRS)[]) cpSync(join(ROOT, MONITORING_DIR, CONFIG_DIRS[kind]), dir(kind), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const problems = () => validateMonitoring(root);

  it("finds nothing in an unchanged copy", () => {
    expect(problems()).to.deep.equal([]);
  });

  it("reports a file that is not JSON, and still checks the others", () => {
    writeFileSync(join(dir("metrics"), "trigger_dropped.json"), "{ not json");
    expect(problems().some((problem) => /trigger_dropped\.json: not JSON/.test(problem))).to.equal(true);
    expect(problems().some((problem) => /undefined metric trigger_dropped/.test(problem))).to.equal(true);
  });

  it("reports an alert condition on a metric that is not defined", () => {
    edit(join(dir("alerts"), "trigger-dropped.json"), (json) => {
      (json.conditions as { conditionThreshold: { filter: string } }[])[0].conditionThreshold.filter =
        'metric.type="logging.googleapis.com/user/trigger_droped" AND resource.type="cloud_run_revision"';
    });
    expect(problems()).to.deep.equal([`${join(MONITORING_DIR, "alerts", "trigger-dropped.json")}: conditions.0.conditionThreshold names undefined metric trigger_droped`]);
  });

  it("reports a PromQL query on a metric that is not defined", () => {
    unlinkSync(join(dir("metrics"), "purge_runs.json"));
    expect(problems().filter((problem) => problem.includes("purge-missing.json"))).to.deep.equal([
      `${join(MONITORING_DIR, "alerts", "purge-missing.json")}: conditions.0.conditionPrometheusQueryLanguage names undefined metric purge_runs`,
    ]);
  });

  it("reports a chart of a metric that is not defined, and a metric no chart shows", () => {
    unlinkSync(join(dir("metrics"), "invalid_documents.json"));
    writeFileSync(join(dir("metrics"), "orphan.json"), JSON.stringify({ ...metric("trigger_dropped"), name: "orphan" }));
    const found = problems();
    expect(found.some((problem) => /sync-health\.json: .*names undefined metric invalid_documents/.test(problem))).to.equal(true);
    expect(found).to.include("monitoring/dashboards: no chart shows orphan");
  });

  it("reports a label an alert or a chart uses that its metric does not have", () => {
    editMetric("trigger_runs", (json) => {
      const descriptor = json.metricDescriptor as { labels: { key: string }[] };
      descriptor.labels = descriptor.labels.filter((label) => label.key !== "outcome");
      delete (json.labelExtractors as Record<string, string>).outcome;
    });
    const found = problems();
    expect(found.some((problem) => /conflict-spike\.json: .*uses label outcome, which trigger_runs does not have/.test(problem))).to.equal(true);
    expect(found.some((problem) => /sync-health\.json: .*uses label outcome/.test(problem))).to.equal(true);
  });

  it("reports a filter on an event the functions never log", () => {
    editMetric("trigger_dropped", (json) => (json.filter = 'resource.type="cloud_run_revision" AND jsonPayload.event="trigger.dropped"'));
    expect(problems()).to.include(`${join(MONITORING_DIR, "metrics", "trigger_dropped.json")}: filter names events the functions never log: trigger.dropped`);
  });

  it("reports an extractor of a field the selected events do not have", () => {
    editMetric("trigger_lag", (json) => (json.valueExtractor = "EXTRACT(jsonPayload.lagSeconds)"));
    expect(problems().some((problem) => /trigger_lag\.json: valueExtractor: jsonPayload\.lagSeconds is not a field of trigger\.activity-raised/.test(problem))).to.equal(true);
  });

  it("reports a filter outside the evaluated subset, and one that does not keep to the functions' resource", () => {
    editMetric("legacy_writes", (json) => (json.filter = 'jsonPayload.event="legacy.write" OR severity>=ERROR'));
    editMetric("purge_runs", (json) => (json.filter = 'jsonPayload.event="purge.run-finished"'));
    const found = problems();
    expect(found).to.include(`${join(MONITORING_DIR, "metrics", "legacy_writes.json")}: filter: only AND joins comparisons here, got "OR"`);
    expect(found).to.include(`${join(MONITORING_DIR, "metrics", "purge_runs.json")}: filter must require resource.type="cloud_run_revision"`);
  });

  it("reports a counter with a value extractor, and labels without extractors", () => {
    editMetric("trigger_dropped", (json) => {
      json.valueExtractor = "EXTRACT(jsonPayload.ageSeconds)";
      json.labelExtractors = {};
    });
    const found = problems().filter((problem) => problem.includes("trigger_dropped.json"));
    expect(found).to.have.members([
      `${join(MONITORING_DIR, "metrics", "trigger_dropped.json")}: a DISTRIBUTION needs a valueExtractor, and only a DISTRIBUTION takes one`,
      `${join(MONITORING_DIR, "metrics", "trigger_dropped.json")}: labels [trigger] and labelExtractors [] differ`,
    ]);
  });

  it("reports an alert without documentation or an explicit enabled, and two policies with one name", () => {
    edit(join(dir("alerts"), "trigger-lag.json"), (json) => {
      delete json.documentation;
      delete json.enabled;
      json.displayName = "Expense sync: trigger errors";
    });
    const found = problems();
    expect(found).to.include.members([
      `${join(MONITORING_DIR, "alerts", "trigger-lag.json")}: has no documentation.content: the notification is all the on-call engineer gets`,
      `${join(MONITORING_DIR, "alerts", "trigger-lag.json")}: must say enabled: true or false`,
      'monitoring/alerts: "Expense sync: trigger errors" is used by more than one policy',
    ]);
  });
});
