// `npm run monitoring:apply -- --project ID`: creates or updates every log-based metric, alert
// policy and dashboard of monitoring/ in one project, through gcloud. Repeating it changes nothing
// new: a resource that exists is updated in place, found by metric name, or by display name for
// policies and dashboards (their ids are assigned by Cloud Monitoring).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseCommandLine, resolveProjectTarget, runCommand, UsageError } from "../tools/cli";
import { PROJECT_ID as EMULATOR_PROJECT_ID } from "../tools/emulator";
import { readMonitoringConfig } from "./config";
import { validateMonitoring } from "./validate";

export const USAGE = `Usage: npm run monitoring:apply -- --project ID [flags]

Creates or updates every log-based metric (monitoring/metrics), alert policy (monitoring/alerts)
and dashboard (monitoring/dashboards) in the project, through gcloud and its credentials (alert
policies need gcloud's alpha component). Safe to repeat: what exists is updated, found by metric
name or display name. Validates monitoring/ first and changes nothing if a file has a problem.

Flags:
  --project ID                 the Google Cloud project of the Firebase project (never a demo- one)
  --notification-channel ID    a Cloud Monitoring notification channel every alert notifies; repeat
                               for several (without it, a policy that exists keeps its channels)
  --dry-run                    print the gcloud commands; run none
  -h, --help                   this text
`;

export interface ApplyOptions {
  project: string;
  /** Full names: projects/PROJECT/notificationChannels/ID. */
  channels: string[];
  dryRun: boolean;
}

const FLAGS = {
  project: { type: "string" },
  "notification-channel": { type: "string", multiple: true },
  "dry-run": { type: "boolean" },
} as const;

const CHANNEL = /^(?:projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/notificationChannels\/)?(\d+)$/;

/** The command's options; undefined with --help. Throws a UsageError on anything it does not take. */
export function parseApplyArgs(argv: readonly string[]): ApplyOptions | undefined {
  const { values, help } = parseCommandLine(argv, FLAGS);
  if (help) return undefined;
  if (values.project === undefined) throw new UsageError("--project ID is required");
  if (values.project.startsWith("demo-")) throw new UsageError(`${values.project} is a demo project, which has no Cloud Monitoring: give a real project id`);
  // No emulator here: Cloud Monitoring exists only in real projects.
  const { projectId } = resolveProjectTarget(values.project, undefined, EMULATOR_PROJECT_ID);
  const channels = (values["notification-channel"] ?? []).map((raw) => {
    const match = CHANNEL.exec(raw);
    if (!match) throw new UsageError(`--notification-channel takes a channel id or projects/PROJECT/notificationChannels/ID (got ${JSON.stringify(raw)})`);
    if (match[1] !== undefined && match[1] !== projectId) throw new UsageError(`notification channel ${raw} belongs to another project than ${projectId}`);
    return `projects/${projectId}/notificationChannels/${match[2]}`;
  });
  return { project: projectId, channels, dryRun: values["dry-run"] === true };
}

/** Runs gcloud with `args` from the repository root and returns its standard output; throws one sentence on failure. */
export type Gcloud = (args: readonly string[]) => string;

export function gcloudIn(root: string): Gcloud {
  return (args) => {
    const result = spawnSync("gcloud", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (result.error) {
      const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
      throw new Error(missing ? "gcloud is not on PATH: install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install), or use --dry-run" : result.error.message);
    }
    if (result.status !== 0) {
      const reason = result.stderr.trim().split("\n").filter(Boolean).pop() ?? `exit code ${result.status}`;
      throw new Error(`${commandLine(args)} failed: ${reason}`);
    }
    return result.stdout;
  };
}

function shellWord(arg: string): string {
  return /^[\w./:=,@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(args: readonly string[]): string {
  return ["gcloud", ...args].map(shellWord).join(" ");
}

interface Found {
  name: string;
  etag?: string;
  notificationChannels?: string[];
}

/** What exists in the project, from gcloud's list commands. */
interface Existing {
  metrics: ReadonlySet<string>;
  policies: ReadonlyMap<string, Found[]>;
  dashboards: ReadonlyMap<string, Found[]>;
}

const POLICIES = ["alpha", "monitoring", "policies"];
const DASHBOARDS = ["monitoring", "dashboards"];
const METRICS = ["logging", "metrics"];

function lookups(project: string): { metrics: string[]; policies: string[]; dashboards: string[] } {
  const list = (group: string[]) => [...group, "list", `--project=${project}`, "--format=json"];
  return { metrics: list(METRICS), policies: list(POLICIES), dashboards: list(DASHBOARDS) };
}

function byDisplayName(listed: unknown): Map<string, Found[]> {
  const found = new Map<string, Found[]>();
  for (const item of listed as (Found & { displayName: string })[]) found.set(item.displayName, [...(found.get(item.displayName) ?? []), item]);
  return found;
}

/** The one resource named `displayName`, if any; two or more cannot be told apart, so that stops the run. */
function single(found: ReadonlyMap<string, Found[]>, displayName: string, kind: string, project: string): Found | undefined {
  const matches = found.get(displayName) ?? [];
  if (matches.length > 1) {
    throw new Error(`${matches.length} ${kind} in ${project} are named "${displayName}" (${matches.map((match) => match.name).join(", ")}): delete all but one, then apply again`);
  }
  return matches[0];
}

/**
 * Applies monitoring/ under `root` to the project: metrics first (policies and charts refer to
 * them), then policies, then dashboards. With dryRun, prints what it would run and runs nothing.
 * Returns how many resources it created and updated.
 */
export function applyMonitoring(root: string, options: ApplyOptions, gcloud: Gcloud, print: (line: string) => void): { created: number; updated: number } {
  const problems = validateMonitoring(root);
  if (problems.length > 0) throw new Error(`monitoring/ has ${problems.length} problem(s), nothing was applied:\n  ${problems.join("\n  ")}`);
  const { config } = readMonitoringConfig(root);
  const { project, channels, dryRun } = options;
  const at = `--project=${project}`;
  const lists = lookups(project);

  if (dryRun) {
    print(`Dry run for project ${project}: nothing is changed. The lookups (read-only):`);
    for (const args of Object.values(lists)) print(`  ${commandLine(args)}`);
    print("Then, for each resource, the first command if the lookup does not find it, else the second:");
  }
  const existing: Existing = dryRun
    ? { metrics: new Set(), policies: new Map(), dashboards: new Map() }
    : {
        metrics: new Set((JSON.parse(gcloud(lists.metrics)) as Found[]).map((metric) => metric.name.split("/").pop() ?? metric.name)),
        policies: byDisplayName(JSON.parse(gcloud(lists.policies))),
        dashboards: byDisplayName(JSON.parse(gcloud(lists.dashboards))),
      };

  const counts = { created: 0, updated: 0 };
  const scratch = mkdtempSync(join(tmpdir(), "monitoring-apply-"));
  try {
    const run = (label: string, create: string[], update: (found: Found) => string[], found: Found | undefined) => {
      if (dryRun) {
        print(`  ${label}:\n    ${commandLine(create)}\n    ${commandLine(update({ name: "EXISTING_ID" }))}`);
        return;
      }
      const args = found ? update(found) : create;
      print(`${found ? "updating" : "creating"} ${label}: ${commandLine(args)}`);
      gcloud(args);
      counts[found ? "updated" : "created"] += 1;
    };

    for (const { path, resource } of config.metrics) {
      const from = `--config-from-file=${path}`;
      const found = existing.metrics.has(resource.name) ? { name: resource.name } : undefined;
      run(`metric ${resource.name}`, [...METRICS, "create", resource.name, from, at], () => [...METRICS, "update", resource.name, from, at], found);
    }

    for (const { path, resource } of config.alerts) {
      const from = `--policy-from-file=${path}`;
      const create = [...POLICIES, "create", from, ...(channels.length > 0 ? [`--notification-channels=${channels.join(",")}`] : []), at];
      // The file replaces the whole policy: keep the channels it has unless new ones are given.
      const update = (found: Found) => {
        const kept = channels.length > 0 ? channels : (found.notificationChannels ?? []);
        return [...POLICIES, "update", found.name, from, ...(kept.length > 0 ? [`--set-notification-channels=${kept.join(",")}`] : []), at];
      };
      run(`alert policy "${resource.displayName}"`, create, update, single(existing.policies, resource.displayName, "alert policies", project));
    }

    for (const { path, resource } of config.dashboards) {
      // An update must carry the live dashboard's etag, so it goes through a copy of the file with it.
      const update = (found: Found) => {
        if (dryRun) return [...DASHBOARDS, "update", found.name, `--config-from-file=<${path} with the live etag>`, at];
        const copy = join(scratch, `${found.name.split("/").pop()}.json`);
        writeFileSync(copy, JSON.stringify({ ...resource, etag: found.etag }));
        return [...DASHBOARDS, "update", found.name, `--config-from-file=${copy}`, at];
      };
      run(`dashboard "${resource.displayName}"`, [...DASHBOARDS, "create", `--config-from-file=${path}`, at], update, single(existing.dashboards, resource.displayName, "dashboards", project));
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}. What came before it is applied; fix the cause and run the command again (it is safe to repeat)`, { cause: error });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return counts;
}

async function main(argv: string[]): Promise<number> {
  const options = parseApplyArgs(argv);
  if (options === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }
  const root = resolve(__dirname, "..");
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const { created, updated } = applyMonitoring(root, options, gcloudIn(root), print);
  if (!options.dryRun) {
    print(`Done: ${created} created, ${updated} updated in ${options.project}.`);
    if (options.channels.length === 0) print("No --notification-channel given: alerts open incidents in the console but notify only the channels they already had.");
  }
  return 0;
}

if (require.main === module) runCommand(() => main(process.argv.slice(2)));
