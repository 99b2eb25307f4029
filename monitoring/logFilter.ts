// The part of the Cloud Logging query language that the log-based metrics in monitoring/metrics
// use, parsed and evaluated against log entries: comparisons joined by AND, a list of alternatives
// in parentheses joined by OR, and the EXTRACT(field) of value and label extractors. Anything else
// is a syntax error here, so no metric can use a construct that the tests cannot evaluate.

/** A log entry as Cloud Logging stores it: the fields the filters can name. */
export interface LogEntry {
  resource: { type: string; labels: Record<string, string> };
  severity: string;
  jsonPayload: Record<string, unknown>;
}

export type Operator = "=" | ">=" | ">" | "<=" | "<";

/** `path operator value`, or `path operator (value OR value ...)`: true when any value matches. */
export interface Comparison {
  path: string[];
  operator: Operator;
  values: string[];
}

/** Every comparison must hold. */
export type LogFilter = Comparison[];

export class LogFilterError extends Error {}

/** LogSeverity in order: a severity comparison compares these ranks. */
const SEVERITIES = ["DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"];

/** The LogEntry fields a path may start with: the ones LogEntry above has. */
const ROOT_FIELDS = new Set(["resource", "severity", "jsonPayload"]);

type Token = { kind: "word" | "string" | "operator" | "open" | "close"; text: string };

const TOKEN = /\s*(?:(>=|<=|!=|[=<>:])|(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_.\-+]+))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new LogFilterError(`unexpected ${JSON.stringify(text.slice(at, at + 10))} at ${at}`);
    const [, operator, open, close, quoted, word] = match;
    if (operator !== undefined) tokens.push({ kind: "operator", text: operator });
    else if (open !== undefined) tokens.push({ kind: "open", text: open });
    else if (close !== undefined) tokens.push({ kind: "close", text: close });
    else if (quoted !== undefined) tokens.push({ kind: "string", text: quoted.replace(/\\(.)/g, "$1") });
    else tokens.push({ kind: "word", text: word });
  }
  return tokens;
}

const OPERATORS: ReadonlySet<string> = new Set<Operator>(["=", ">=", ">", "<=", "<"]);

/** Parses a filter of the supported subset; throws a LogFilterError saying what it does not take. */
export function parseLogFilter(text: string): LogFilter {
  const tokens = tokenize(text);
  let next = 0;
  const take = (): Token => {
    const token = tokens[next++];
    if (token === undefined) throw new LogFilterError("the filter ends too early");
    return token;
  };
  const value = (): string => {
    const token = take();
    if (token.kind !== "string" && token.kind !== "word") throw new LogFilterError(`expected a value, got ${JSON.stringify(token.text)}`);
    return token.text;
  };
  const filter: LogFilter = [];
  for (;;) {
    const field = take();
    if (field.kind !== "word" || ["AND", "OR", "NOT"].includes(field.text)) throw new LogFilterError(`expected a field, got ${JSON.stringify(field.text)}`);
    const path = field.text.split(".");
    if (!ROOT_FIELDS.has(path[0])) throw new LogFilterError(`unsupported field ${field.text}`);
    const operator = take();
    if (operator.kind !== "operator" || !OPERATORS.has(operator.text)) throw new LogFilterError(`unsupported operator ${JSON.stringify(operator.text)} after ${field.text}`);
    const values: string[] = [];
    if (tokens[next]?.kind === "open") {
      next += 1;
      values.push(value());
      for (let token = take(); token.kind !== "close"; token = take()) {
        if (token.text !== "OR") throw new LogFilterError(`expected OR or ) in the values of ${field.text}, got ${JSON.stringify(token.text)}`);
        values.push(value());
      }
    } else {
      values.push(value());
    }
    filter.push({ path, operator: operator.text as Operator, values });
    if (next === tokens.length) return filter;
    const joiner = take();
    if (joiner.text !== "AND") throw new LogFilterError(`only AND joins comparisons here, got ${JSON.stringify(joiner.text)}`);
  }
}

/** The value at `path` in the entry; undefined where there is none. */
export function fieldAt(entry: LogEntry, path: readonly string[]): unknown {
  let value: unknown = entry;
  for (const name of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

function ordered(difference: number, operator: Operator): boolean {
  switch (operator) {
    case "=":
      return difference === 0;
    case ">=":
      return difference >= 0;
    case ">":
      return difference > 0;
    case "<=":
      return difference <= 0;
    case "<":
      return difference < 0;
  }
}

function compares(actual: unknown, operator: Operator, expected: string, isSeverity: boolean): boolean {
  if (isSeverity) {
    const rank = SEVERITIES.indexOf(expected.toUpperCase());
    if (rank === -1) throw new LogFilterError(`${expected} is not a severity`);
    return typeof actual === "string" && ordered(SEVERITIES.indexOf(actual.toUpperCase()) - rank, operator);
  }
  if (typeof actual === "number") return expected.trim() !== "" && Number.isFinite(Number(expected)) && ordered(actual - Number(expected), operator);
  if (typeof actual === "boolean") return operator === "=" && String(actual) === expected.toLowerCase();
  // Cloud Logging compares strings without regard to case.
  if (typeof actual === "string") return ordered(actual.toLowerCase().localeCompare(expected.toLowerCase()), operator);
  return false;
}

/** Whether the entry satisfies every comparison of the filter. */
export function matchesFilter(filter: LogFilter, entry: LogEntry): boolean {
  return filter.every(({ path, operator, values }) =>
    values.some((expected) => compares(fieldAt(entry, path), operator, expected, path.length === 1 && path[0] === "severity")),
  );
}

/** The values a filter requires of a field (`jsonPayload.event`, say); undefined when it does not constrain it. */
export function requiredValues(filter: LogFilter, field: string): string[] | undefined {
  return filter.find((comparison) => comparison.operator === "=" && comparison.path.join(".") === field)?.values;
}

/** The field path of an `EXTRACT(field)` extractor; throws on any other form (REGEXP_EXTRACT included). */
export function parseExtractor(text: string): string[] {
  const match = /^EXTRACT\(([A-Za-z0-9_.]+)\)$/.exec(text.trim());
  if (!match) throw new LogFilterError(`unsupported extractor ${JSON.stringify(text)}: only EXTRACT(field) is evaluated here`);
  const path = match[1].split(".");
  if (!ROOT_FIELDS.has(path[0])) throw new LogFilterError(`unsupported field ${match[1]} in ${text}`);
  return path;
}
