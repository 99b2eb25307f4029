// The monitoring configuration as files: one gcloud resource per JSON file, in the shape the
// Cloud Logging and Cloud Monitoring APIs take it (monitoring/README.md). Read here for the
// validator, the apply command and the tests, and the names that tie the three kinds together.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A log-based metric (projects.metrics in the Logging API). */
export interface LogMetric {
  name: string;
  description: string;
  filter: string;
  metricDescriptor: {
    metricKind: string;
    valueType: string;
    unit?: string;
    displayName?: string;
    labels?: { key: string; valueType?: string; description?: string }[];
  };
  valueExtractor?: string;
  labelExtractors?: Record<string, string>;
  bucketOptions?: Record<string, unknown>;
}

/** An alerting policy (projects.alertPolicies in the Monitoring API); only what the tools read is typed. */
export interface AlertPolicy {
  displayName: string;
  enabled?: boolean;
  documentation?: { content?: string };
  conditions: Record<string, unknown>[];
}

/** A dashboard (projects.dashboards in the Monitoring API); only what the tools read is typed. */
export interface Dashboard {
  displayName: string;
}

export interface ConfigFile<T> {
  /** Relative to the repository root, e.g. monitoring/metrics/trigger_runs.json. */
  path: string;
  resource: T;
}

export interface MonitoringConfig {
  metrics: ConfigFile<LogMetric>[];
  alerts: ConfigFile<AlertPolicy>[];
  dashboards: ConfigFile<Dashboard>[];
}

export const MONITORING_DIR = "monitoring";

/** Where each kind of resource lives under monitoring/. */
export const CONFIG_DIRS = { metrics: "metrics", alerts: "alerts", dashboards: "dashboards" } as const;

const USER_METRIC_PREFIX = "logging.googleapis.com/user/";

/** The Cloud Monitoring type of the log-based metric `name`. */
export function userMetricType(name: string): string {
  return `${USER_METRIC_PREFIX}${name}`;
}

/**
 * Names of the log-based metrics a Monitoring filter (`metric.type="logging.googleapis.com/user/NAME"`)
 * or a PromQL query (`logging_googleapis_com:user_NAME`) refers to.
 */
export function referencedMetrics(text: string): string[] {
  const byType = [...text.matchAll(/metric\.type\s*=\s*"logging\.googleapis\.com\/user\/([^"]+)"/g)].map((match) => match[1]);
  const byPromQL = [...text.matchAll(/\blogging_googleapis_com:user_([A-Za-z0-9_]+)/g)].map((match) => match[1]);
  return [...byType, ...byPromQL];
}

/** Metric label keys a Monitoring filter or group-by field names (`metric.label.KEY`, `metric.labels.KEY`). */
export function referencedLabels(text: string): string[] {
  return [...text.matchAll(/metric\.labels?\.(?:"([^"]+)"|([A-Za-z0-9_]+))/g)].map((match) => match[1] ?? match[2]);
}

/**
 * Reads every resource file; a file that does not parse is a problem (its path and the parser's
 * message), not an exception, so one bad file does not hide the others' problems.
 */
export function readMonitoringConfig(root: string): { config: MonitoringConfig; problems: string[] } {
  const problems: string[] = [];
  const read = <T>(dir: string): ConfigFile<T>[] => {
    const relativeDir = join(MONITORING_DIR, dir);
    let names: string[];
    try {
      names = readdirSync(join(root, relativeDir)).filter((name) => name.endsWith(".json")).sort();
    } catch {
      problems.push(`${relativeDir}/ is missing`);
      return [];
    }
    return names.flatMap((name) => {
      const path = join(relativeDir, name);
      try {
        return [{ path, resource: JSON.parse(readFileSync(join(root, path), "utf8")) as T }];
      } catch (error) {
        problems.push(`${path}: not JSON (${(error as Error).message})`);
        return [];
      }
    });
  };
  const config = {
    metrics: read<LogMetric>(CONFIG_DIRS.metrics),
    alerts: read<AlertPolicy>(CONFIG_DIRS.alerts),
    dashboards: read<Dashboard>(CONFIG_DIRS.dashboards),
  };
  return { config, problems };
}

export interface MetricQuery {
  /** Where the query is in its resource, e.g. conditions.0.conditionThreshold. */
  at: string;
  /** The Monitoring filter or PromQL query. */
  text: string;
  /** The group-by fields of the aggregations that go with it. */
  groupBy: string[];
}

/**
 * Every object in a resource with a `filter` or `query` string (an alert condition's, a chart's
 * data set's), with the group-by fields of its aggregations: where a resource names metrics and labels.
 */
export function metricQueries(resource: unknown, at = ""): MetricQuery[] {
  if (typeof resource !== "object" || resource === null) return [];
  const record = resource as Record<string, unknown>;
  const text = [record.filter, record.query].find((value): value is string => typeof value === "string");
  if (text !== undefined) return [{ at, text, groupBy: groupByFields(record) }];
  return Object.entries(record).flatMap(([key, value]) => metricQueries(value, at === "" ? key : `${at}.${key}`));
}

function groupByFields(resource: unknown): string[] {
  if (typeof resource !== "object" || resource === null) return [];
  return Object.entries(resource).flatMap(([key, value]) =>
    key === "groupByFields" && Array.isArray(value) ? value.map(String) : groupByFields(value),
  );
}
