// Offline checks of monitoring/: every file parses; every log-based metric filters on events of the
// log catalogue (functions/src/logs.ts) in the filter subset the tests evaluate, and extracts fields
// those events have; every alert condition and every chart names defined metrics and their labels.
// `npm run deploy:check` and `npm run monitoring:apply` run it; each problem is one sentence.
import { LOG_EVENTS, LogEventSpec } from "../functions/src/logs";
import { LogFilter, parseExtractor, parseLogFilter, requiredValues } from "./logFilter";
import { ConfigFile, LogMetric, metricQueries, readMonitoringConfig, referencedLabels, referencedMetrics } from "./config";

/** The functions run on Cloud Run (2nd gen): each metric counts only their entries. */
export const FUNCTIONS_RESOURCE_TYPE = "cloud_run_revision";

const METRIC_NAME = /^[a-z][a-z0-9_]*$/;

/** The catalogue events a filter selects: those it names in jsonPayload.event, else all of them. */
function selectedEvents(filter: LogFilter): { specs: LogEventSpec[]; unknown: string[] } {
  const named = requiredValues(filter, "jsonPayload.event");
  if (named === undefined) return { specs: [...LOG_EVENTS], unknown: [] };
  return {
    specs: LOG_EVENTS.filter((spec) => named.includes(spec.event)),
    unknown: named.filter((event) => !LOG_EVENTS.some((spec) => spec.event === event)),
  };
}

/** Problems with a jsonPayload field the filter or an extractor reads, given the events it selects. */
function payloadFieldProblems(path: readonly string[], specs: readonly LogEventSpec[], named: boolean): string[] {
  if (path[0] !== "jsonPayload" || path[1] === "event") return [];
  const field = path[1];
  const having = specs.filter((spec) => spec.fields.includes(field));
  if (named) {
    const without = specs.filter((spec) => !having.includes(spec)).map((spec) => spec.event);
    return without.length === 0 ? [] : [`${path.join(".")} is not a field of ${without.join(", ")}`];
  }
  return having.length > 0 ? [] : [`${path.join(".")} is not a field of any catalogued event`];
}

function metricProblems({ path, resource: metric }: ConfigFile<LogMetric>): string[] {
  const problems: string[] = [];
  if (typeof metric.name !== "string" || !METRIC_NAME.test(metric.name)) return [`name must be lower_snake_case, got ${JSON.stringify(metric.name)}`];
  if (!path.endsWith(`/${metric.name}.json`)) problems.push(`is named ${metric.name} but its file is not ${metric.name}.json`);
  if (typeof metric.description !== "string" || metric.description.trim() === "") problems.push("has no description");
  let filter: LogFilter;
  try {
    filter = parseLogFilter(metric.filter);
  } catch (error) {
    return [...problems, `filter: ${(error as Error).message}`];
  }
  if (!requiredValues(filter, "resource.type")?.every((type) => type === FUNCTIONS_RESOURCE_TYPE)) {
    problems.push(`filter must require resource.type="${FUNCTIONS_RESOURCE_TYPE}"`);
  }
  const named = requiredValues(filter, "jsonPayload.event") !== undefined;
  const { specs, unknown } = selectedEvents(filter);
  if (unknown.length > 0) problems.push(`filter names events the functions never log: ${unknown.join(", ")}`);
  for (const comparison of filter) problems.push(...payloadFieldProblems(comparison.path, specs, named).map((problem) => `filter: ${problem}`));

  const descriptor = metric.metricDescriptor ?? {};
  if (descriptor.metricKind !== "DELTA") problems.push("metricDescriptor.metricKind must be DELTA (a log-based metric counts per interval)");
  const distribution = descriptor.valueType === "DISTRIBUTION";
  if (!distribution && descriptor.valueType !== "INT64") problems.push("metricDescriptor.valueType must be INT64 (a counter) or DISTRIBUTION");
  if (distribution !== (metric.valueExtractor !== undefined)) problems.push("a DISTRIBUTION needs a valueExtractor, and only a DISTRIBUTION takes one");
  if (distribution !== (metric.bucketOptions !== undefined)) problems.push("a DISTRIBUTION needs bucketOptions, and only a DISTRIBUTION takes them");
  const bounds = (metric.bucketOptions?.explicitBuckets as { bounds?: unknown } | undefined)?.bounds;
  if (bounds !== undefined && !(Array.isArray(bounds) && bounds.every((bound, i) => typeof bound === "number" && (i === 0 || bound > bounds[i - 1])))) {
    problems.push("bucketOptions.explicitBuckets.bounds must be increasing numbers");
  }
  const labelKeys = (descriptor.labels ?? []).map((label) => label.key).sort();
  const extractorKeys = Object.keys(metric.labelExtractors ?? {}).sort();
  if (labelKeys.join() !== extractorKeys.join()) problems.push(`labels [${labelKeys.join(", ")}] and labelExtractors [${extractorKeys.join(", ")}] differ`);
  const extractors = Object.entries({ ...metric.labelExtractors, ...(metric.valueExtractor ? { valueExtractor: metric.valueExtractor } : {}) });
  for (const [key, extractor] of extractors) {
    try {
      problems.push(...payloadFieldProblems(parseExtractor(extractor), specs, named).map((problem) => `${key}: ${problem}`));
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Problems with the metric and label names a resource's filters, queries and group-bys use. */
function referenceProblems(resource: unknown, labelsOf: ReadonlyMap<string, readonly string[]>): string[] {
  const queries = metricQueries(resource);
  if (queries.length === 0) return ["names no metric"];
  return queries.flatMap(({ at, text, groupBy }) => {
    const metrics = referencedMetrics(text);
    if (metrics.length === 0) return [`${at} names no log-based metric (metric.type="logging.googleapis.com/user/NAME")`];
    const undefinedMetrics = metrics.filter((name) => !labelsOf.has(name));
    if (undefinedMetrics.length > 0) return [`${at} names undefined metric ${undefinedMetrics.join(", ")}`];
    const labels = new Set(metrics.flatMap((name) => labelsOf.get(name) ?? []));
    return [...referencedLabels(text), ...groupBy.flatMap(referencedLabels)]
      .filter((label) => !labels.has(label))
      .map((label) => `${at} uses label ${label}, which ${metrics.join(", ")} does not have`);
  });
}

function duplicates(names: readonly string[]): string[] {
  return [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
}

/** Every problem with monitoring/ under the repository `root`; none means it can be applied. */
export function validateMonitoring(root: string): string[] {
  const { config, problems } = readMonitoringConfig(root);
  const within = (path: string) => (problem: string) => `${path}: ${problem}`;
  for (const file of config.metrics) problems.push(...metricProblems(file).map(within(file.path)));
  const labelsOf = new Map(config.metrics.map(({ resource }) => [resource.name, (resource.metricDescriptor?.labels ?? []).map((label) => label.key)]));

  for (const { path, resource: alert } of config.alerts) {
    const here = within(path);
    if (typeof alert.displayName !== "string" || alert.displayName === "") problems.push(here("has no displayName"));
    if (typeof alert.documentation?.content !== "string" || alert.documentation.content.trim() === "") {
      problems.push(here("has no documentation.content: the notification is all the on-call engineer gets"));
    }
    if (typeof alert.enabled !== "boolean") problems.push(here("must say enabled: true or false"));
    const conditions = Array.isArray(alert.conditions) ? alert.conditions : [];
    if (conditions.length === 0) problems.push(here("has no conditions"));
    if (conditions.length > 1 && conditions.some((condition) => "conditionPrometheusQueryLanguage" in condition)) {
      problems.push(here("a PromQL condition must be the policy's only one"));
    }
    problems.push(...referenceProblems({ conditions }, labelsOf).map(here));
  }

  const charted = new Set<string>();
  for (const { path, resource: dashboard } of config.dashboards) {
    if (typeof dashboard.displayName !== "string" || dashboard.displayName === "") problems.push(`${path}: has no displayName`);
    problems.push(...referenceProblems(dashboard, labelsOf).map(within(path)));
    for (const { text } of metricQueries(dashboard)) for (const name of referencedMetrics(text)) charted.add(name);
  }
  const uncharted = [...labelsOf.keys()].filter((name) => !charted.has(name));
  if (config.dashboards.length > 0 && uncharted.length > 0) problems.push(`monitoring/dashboards: no chart shows ${uncharted.join(", ")}`);

  for (const name of duplicates(config.metrics.map(({ resource }) => resource.name))) problems.push(`monitoring/metrics: ${name} is defined more than once`);
  for (const name of duplicates(config.alerts.map(({ resource }) => resource.displayName))) problems.push(`monitoring/alerts: "${name}" is used by more than one policy`);
  for (const name of duplicates(config.dashboards.map(({ resource }) => resource.displayName))) problems.push(`monitoring/dashboards: "${name}" is used by more than one dashboard`);
  return problems;
}
