// Reads the Firestore emulator's rule coverage report (GET .../projects/{id}:ruleCoverage).
// The report is a tree of expressions, each with the values it evaluated to and how often:
//   { sourcePosition: { line, column, currentOffset, endOffset }, values?: [{ value, count }], children? }
// A value is a Firestore Value ({ boolValue: true }, { mapValue: ... }) or { undefined: ... } for an
// evaluation that errored. An expression skipped by && / || short-circuiting is listed with an empty
// value ({}), and one never reached at all (such as the body of a function nobody called) has no
// values. Literals are not listed. "Evaluated" therefore means: some non-empty value was recorded.

export interface CoverageNode {
  sourcePosition: { line: number; column: number; currentOffset: number; endOffset: number };
  values?: { value: Record<string, unknown>; count: number }[];
  children?: CoverageNode[];
}

export interface CoverageReport {
  rules: { files: { content: string }[] };
  report: CoverageNode[];
}

export interface CoverageSummary {
  evaluated: number;
  total: number;
  percent: string;
  /** `line:column source` of every expression never evaluated. */
  unevaluated: string[];
}

function wasEvaluated(node: CoverageNode): boolean {
  return (node.values ?? []).some(({ value }) => Object.keys(value).length > 0);
}

export function summarizeCoverage(report: CoverageReport): CoverageSummary {
  // Offsets count UTF-8 bytes of the rules source.
  const source = Buffer.from(report.rules.files[0]?.content ?? "", "utf8");
  const unevaluated: string[] = [];
  let total = 0;
  const visit = (node: CoverageNode): void => {
    total += 1;
    if (!wasEvaluated(node)) {
      const { line, column, currentOffset, endOffset } = node.sourcePosition;
      const text = source.subarray(currentOffset, endOffset + 1).toString("utf8").replace(/\s+/g, " ");
      unevaluated.push(`  ${line}:${column} ${text}`);
    }
    for (const child of node.children ?? []) visit(child);
  };
  for (const node of report.report) visit(node);
  const evaluated = total - unevaluated.length;
  const percent = total === 0 ? "n/a" : `${((100 * evaluated) / total).toFixed(1)}%`;
  return { evaluated, total, percent, unevaluated };
}
