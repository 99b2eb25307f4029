// `npm run monitoring:apply` against a fake gcloud that keeps a project's state: the command line,
// the dry run, create on the first run and update on every later one, notification channels, the
// dashboard's etag, and refusing what cannot be applied.
import { expect } from "chai";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { UsageError } from "../../../tools/cli";
import { applyMonitoring, ApplyOptions, commandLine, Gcloud, parseApplyArgs } from "../../apply";
import { CONFIG_DIRS, MONITORING_DIR, readMonitoringConfig } from "../../config";

const ROOT = join(__dirname, "../../..");
const PROJECT = "expense-sync-prod";
const { config } = readMonitoringConfig(ROOT);
const RESOURCES = config.metrics.length + config.alerts.length + config.dashboards.length;

interface Listed {
  name: string;
  displayName: string;
  etag?: string;
  notificationChannels?: string[];
}

/** A project as gcloud sees it, changed only through the commands apply runs. */
function fakeProject(initial: { policies?: Listed[]; dashboards?: Listed[] } = {}) {
  const state = { metrics: new Map<string, unknown>(), policies: [...(initial.policies ?? [])], dashboards: [...(initial.dashboards ?? [])] };
  const calls: string[] = [];
  let ids = 0;
  const gcloud: Gcloud = (args) => {
    calls.push(commandLine(args));
    expect(args, "every command names the project").to.include(`--project=${PROJECT}`);
    const flag = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
    const file = (name: string) => JSON.parse(readFileSync(resolve(ROOT, flag(name) ?? ""), "utf8")) as Listed & { name?: string };
    const [verb, target] = args.filter((arg) => !arg.startsWith("--")).slice(-2);
    const command = args.filter((arg) => !arg.startsWith("--")).join(" ");
    if (command === "logging metrics list") return JSON.stringify([...state.metrics.keys()].map((name) => ({ name })));
    if (command === "alpha monitoring policies list") return JSON.stringify(state.policies);
    if (command === "monitoring dashboards list") return JSON.stringify(state.dashboards);
    if (command.startsWith("logging metrics ")) {
      expect(state.metrics.has(target), `${verb} of ${target}`).to.equal(verb === "update");
      state.metrics.set(target, file("config-from-file"));
      return "";
    }
    if (command === "alpha monitoring policies create") {
      const channels = flag("notification-channels")?.split(",") ?? [];
      state.policies.push({ name: `projects/${PROJECT}/alertPolicies/${++ids}`, displayName: file("policy-from-file").displayName, notificationChannels: channels });
      return "";
    }
    if (verb === "update" && command.startsWith("alpha monitoring policies")) {
      const policy = state.policies.find((candidate) => candidate.name === target);
      if (!policy) throw new Error(`no policy ${target}`);
      Object.assign(policy, { displayName: file("policy-from-file").displayName, notificationChannels: flag("set-notification-channels")?.split(",") ?? [] });
      return "";
    }
    if (command === "monitoring dashboards create") {
      state.dashboards.push({ name: `projects/${PROJECT}/dashboards/d${++ids}`, displayName: file("config-from-file").displayName, etag: `etag-${ids}` });
      return "";
    }
    if (verb === "update" && command.startsWith("monitoring dashboards")) {
      const dashboard = state.dashboards.find((candidate) => candidate.name === target);
      if (!dashboard) throw new Error(`no dashboard ${target}`);
      if (file("config-from-file").etag !== dashboard.etag) throw new Error("etag mismatch: the dashboard changed since it was read");
      dashboard.etag = `etag-${++ids}`;
      return "";
    }
    throw new Error(`unexpected command: ${commandLine(args)}`);
  };
  return { state, calls, gcloud };
}

const options = (overrides: Partial<ApplyOptions> = {}): ApplyOptions => ({ project: PROJECT, channels: [], dryRun: false, ...overrides });
const quietly = () => undefined;

describe("monitoring:apply command line", () => {
  it("takes the project, notification channels as ids or full names, and --dry-run", () => {
    expect(parseApplyArgs(["--project", PROJECT, "--notification-channel", "123", "--notification-channel", `projects/${PROJECT}/notificationChannels/456`, "--dry-run"])).to.deep.equal({
      project: PROJECT,
      channels: [`projects/${PROJECT}/notificationChannels/123`, `projects/${PROJECT}/notificationChannels/456`],
      dryRun: true,
    });
  });

  it("answers --help with nothing to do", () => {
    expect(parseApplyArgs(["--help"])).to.equal(undefined);
  });

  for (const [argv, message] of [
    [[], /--project ID is required/],
    [["--project", "demo-expense-sync"], /demo project, which has no Cloud Monitoring/],
    [["--project", "Not_A_Project"], /is not a project id/],
    [["--project", PROJECT, "--project", "other-project"], /--project is given more than once/],
    [["--project", PROJECT, "--notification-channel", "email-me"], /--notification-channel takes a channel id/],
    [["--project", PROJECT, "--notification-channel", "projects/other-project/notificationChannels/1"], /belongs to another project/],
    [["--project", PROJECT, "--force"], /unknown option '--force'/i],
  ] as const) {
    it(`refuses ${JSON.stringify(argv)} with one sentence`, () => {
      expect(() => parseApplyArgs(argv)).to.throw(UsageError, message);
    });
  }
});

describe("monitoring:apply", () => {
  it("in a dry run prints the lookups and both commands of every resource, and runs nothing", () => {
    const lines: string[] = [];
    const result = applyMonitoring(ROOT, options({ dryRun: true }), () => expect.fail("a dry run ran gcloud"), (line) => lines.push(line));
    expect(result).to.deep.equal({ created: 0, updated: 0 });
    const printed = lines.join("\n");
    expect(printed).to.include(`gcloud logging metrics list --project=${PROJECT} --format=json`);
    for (const { resource, path } of config.metrics) {
      expect(printed).to.include(`gcloud logging metrics create ${resource.name} --config-from-file=${path} --project=${PROJECT}`);
      expect(printed).to.include(`gcloud logging metrics update ${resource.name} --config-from-file=${path} --project=${PROJECT}`);
    }
    for (const { path } of config.alerts) expect(printed).to.include(`gcloud alpha monitoring policies create --policy-from-file=${path} --project=${PROJECT}`);
    expect(printed).to.include("gcloud monitoring dashboards update EXISTING_ID");
  });

  it("creates everything in a project that has none of it, metrics before the policies that use them", () => {
    const project = fakeProject();
    expect(applyMonitoring(ROOT, options(), project.gcloud, quietly)).to.deep.equal({ created: RESOURCES, updated: 0 });
    expect([...project.state.metrics.keys()]).to.have.members(config.metrics.map(({ resource }) => resource.name));
    expect(project.state.policies.map((policy) => policy.displayName)).to.have.members(config.alerts.map(({ resource }) => resource.displayName));
    const firstPolicy = project.calls.findIndex((call) => call.includes("policies create"));
    const lastMetric = project.calls.findLastIndex((call) => call.includes("metrics create"));
    expect(lastMetric).to.be.below(firstPolicy);
  });

  it("updates everything in place when run again, creating nothing twice", () => {
    const project = fakeProject();
    applyMonitoring(ROOT, options(), project.gcloud, quietly);
    const before = { policies: project.state.policies.length, dashboards: project.state.dashboards.length };
    expect(applyMonitoring(ROOT, options(), project.gcloud, quietly)).to.deep.equal({ created: 0, updated: RESOURCES });
    expect({ policies: project.state.policies.length, dashboards: project.state.dashboards.length }).to.deep.equal(before);
  });

  it("sets the given notification channels, and keeps a policy's channels when none are given", () => {
    const project = fakeProject();
    const channel = `projects/${PROJECT}/notificationChannels/42`;
    applyMonitoring(ROOT, options({ channels: [channel] }), project.gcloud, quietly);
    expect(project.state.policies.every((policy) => policy.notificationChannels?.join() === channel)).to.equal(true);
    applyMonitoring(ROOT, options(), project.gcloud, quietly);
    expect(project.state.policies.every((policy) => policy.notificationChannels?.join() === channel)).to.equal(true);
  });

  it("updates the dashboard with the etag it has now", () => {
    const displayName = config.dashboards[0].resource.displayName;
    const project = fakeProject({ dashboards: [{ name: `projects/${PROJECT}/dashboards/live`, displayName, etag: "live-etag" }] });
    applyMonitoring(ROOT, options(), project.gcloud, quietly);
    expect(project.state.dashboards).to.have.length(1);
    expect(project.state.dashboards[0].etag).to.not.equal("live-etag");
  });

  it("stops at two policies of one name, saying which, and that running again is safe", () => {
    const displayName = config.alerts[0].resource.displayName;
    const twins = [1, 2].map((n) => ({ name: `projects/${PROJECT}/alertPolicies/twin${n}`, displayName }));
    const project = fakeProject({ policies: twins });
    expect(() => applyMonitoring(ROOT, options(), project.gcloud, quietly)).to.throw(/2 alert policies .* are named .*twin1, .*twin2.*run the command again/);
  });

  it("applies nothing from a monitoring/ with problems", () => {
    const root = mkdtempSync(join(tmpdir(), "monitoring-apply-test-"));
    try {
      for (const dir of Object.values(CONFIG_DIRS)) cpSync(join(ROOT, MONITORING_DIR, dir), join(root, MONITORING_DIR, dir), { recursive: true });
      writeFileSync(join(root, MONITORING_DIR, CONFIG_DIRS.alerts, "broken.json"), "{");
      expect(() => applyMonitoring(root, options(), () => expect.fail("gcloud ran"), quietly)).to.throw(/problem\(s\), nothing was applied:\n.*broken\.json: not JSON/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
