// The functions' params against the dotenv files firebase-tools reads their values from.
// functions/.env repeats every default of functions/src/config.ts (the one place defaults are
// written) so that nothing ever prompts for a value: an emulator without a terminal would wait
// forever. These checks keep the file equal to the defaults and a project's values well-typed.
import { join } from "node:path";
import { parseEnv } from "node:util";

/** A declared param as firebase-functions describes it: `Param#toSpec()`, or the deploy manifest. */
export interface ParamSpec {
  name: string;
  type: string;
  default?: unknown;
}

export const FUNCTIONS_DIR = join(__dirname, "..", "functions");
/** The defaults file: values for every project, before functions/.env.<projectId> overrides them. */
export const DEFAULTS_FILE = join(FUNCTIONS_DIR, ".env");

/** What a value of each typed param must look like; a string param takes anything. */
const VALUE_PATTERNS: Record<string, { pattern: RegExp; what: string }> = {
  int: { pattern: /^-?\d+$/, what: "a whole number" },
  float: { pattern: /^-?\d+(\.\d+)?$/, what: "a number" },
  boolean: { pattern: /^(true|false)$/, what: "true or false" },
};

/**
 * Where the defaults file (its text) differs from the declared params: a param missing from it,
 * holding something other than its default, or without a default; a key that no param declares.
 */
export function defaultsFileProblems(params: Pick<ParamSpec, "name" | "default">[], dotenv: string): string[] {
  const values = parseEnv(dotenv);
  const problems: string[] = [];
  for (const param of params) {
    if (param.default === undefined) problems.push(`${param.name} has no default in its definition`);
    else if (values[param.name] === undefined) problems.push(`${param.name} is missing (its default is ${JSON.stringify(String(param.default))})`);
    else if (values[param.name] !== String(param.default)) {
      problems.push(`${param.name} is ${JSON.stringify(values[param.name])} but its default is ${JSON.stringify(String(param.default))}`);
    }
  }
  for (const key of Object.keys(values)) {
    if (!params.some((param) => param.name === key)) problems.push(`${key} is no declared param`);
  }
  return problems;
}

/** Params a project's merged dotenv values leave unset (they would be prompted for) or mistyped. */
export function projectValueProblems(params: ParamSpec[], values: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const param of params) {
    const value = values[param.name];
    const expected = VALUE_PATTERNS[param.type];
    if (value === undefined) problems.push(`${param.name} has no value (a deploy would prompt for it, an emulator without a terminal would hang)`);
    else if (expected && !expected.pattern.test(value)) problems.push(`${param.name}=${value} is not ${expected.what}`);
  }
  return problems;
}
