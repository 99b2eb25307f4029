// Rules coverage gate. A root-level hook, so it runs after every spec of the run: every expression
// in firestore.rules must have been evaluated by some case, or the run fails.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RULES_PROJECT_ID, emulatorBaseUrl } from "./support/emulator";
import { summarizeCoverage, type CoverageReport } from "./support/coverage";

const HTML_REPORT = join(__dirname, "..", "artifacts", "rules-coverage.html");

after(async function () {
  // The report lists every distinct value each expression evaluated to, whole requests included,
  // so it grows with the cases: about 180 MB for the ~1,300 requests of the suite, which the
  // emulator takes a minute or more to render (twice: JSON and HTML).
  this.timeout(5 * 60_000);
  const base = `${emulatorBaseUrl()}/emulator/v1/projects/${RULES_PROJECT_ID}:ruleCoverage`;
  const [json, html] = await Promise.all([fetch(base), fetch(`${base}.html`)]);
  if (!json.ok || !html.ok) throw new Error(`rule coverage report unavailable: HTTP ${json.status} / ${html.status}`);
  mkdirSync(join(HTML_REPORT, ".."), { recursive: true });
  writeFileSync(HTML_REPORT, await html.text());
  const summary = summarizeCoverage((await json.json()) as CoverageReport);
  process.stdout.write(
    `rules coverage: ${summary.evaluated}/${summary.total} expressions evaluated (${summary.percent}); report: ${HTML_REPORT}\n`,
  );
  if (summary.total === 0) throw new Error("the rule coverage report lists no expressions: did the rules suite run?");
  if (summary.unevaluated.length > 0) {
    throw new Error(`rule expressions never evaluated:\n${summary.unevaluated.join("\n")}`);
  }
});
