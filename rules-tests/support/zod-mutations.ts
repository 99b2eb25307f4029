// Invalid variants of a valid document, derived from its zod schema: for every field, the key
// removed (when required), a value of another type, each string/list one over (or under) its
// length limits, each number off its range or fractional, a pattern broken, an unknown key added.
// The limits are read from the schema itself, so a change to LIMITS changes the mutations too.
import type { DocumentData } from "firebase/firestore";
import type { z } from "zod";
import { timestampSchema } from "../../core/schemas";

export interface Mutation {
  name: string;
  apply: (doc: DocumentData) => DocumentData;
}

type Path = (string | number)[];

/** What the generator needs beyond the schema: how to make more valid list elements / map keys. */
export interface MutationContext {
  /** `count` distinct valid elements for the list at `path`, all different from those in the sample. */
  freshElements: (path: Path, count: number) => unknown[];
  /** A limit enforced by a refinement the schema does not expose (z.record(...).refine(size)). */
  maxEntries: (path: Path) => number | undefined;
}

interface ZodNode {
  _zod: { def: { type: string; checks?: { _zod: { def: CheckDef } }[] } & Record<string, unknown> };
}

type CheckDef =
  | { check: "min_length"; minimum: number }
  | { check: "max_length"; maximum: number }
  | { check: "string_format"; format: string; pattern?: RegExp }
  | { check: "number_format"; format: string }
  | { check: "greater_than"; value: number; inclusive: boolean }
  | { check: "less_than"; value: number; inclusive: boolean }
  | { check: "custom" };

interface Limits {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  integer: boolean;
  min?: number;
  max?: number;
}

function limitsOf(node: ZodNode): Limits {
  const limits: Limits = { integer: false };
  for (const check of node._zod.def.checks ?? []) {
    const def = check._zod.def;
    if (def.check === "min_length") limits.minLength = def.minimum;
    if (def.check === "max_length") limits.maxLength = def.maximum;
    if (def.check === "string_format" && def.pattern) limits.pattern = def.pattern;
    if (def.check === "number_format") limits.integer = def.format === "safeint" || def.format === "int32";
    if (def.check === "greater_than") limits.min = def.inclusive ? def.value : def.value + 1;
    if (def.check === "less_than") limits.max = def.inclusive ? def.value : def.value - 1;
  }
  return limits;
}

function pathName(path: Path): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

function valueAt(doc: unknown, path: Path): unknown {
  return path.reduce<unknown>((value, part) => (value as Record<string | number, unknown>)[part], doc);
}

/** A deep copy of `doc` with the value at `path` replaced (or removed when `remove`). */
function replaced(doc: unknown, path: Path, next: (current: unknown) => unknown, remove = false): DocumentData {
  const copy = (value: unknown, depth: number): unknown => {
    const part = path[depth];
    if (Array.isArray(value)) {
      const list = [...value];
      if (depth === path.length - 1) list[part as number] = next(list[part as number]);
      else list[part as number] = copy(list[part as number], depth + 1);
      return list;
    }
    const map = { ...(value as Record<string, unknown>) };
    if (depth === path.length - 1) {
      if (remove) delete map[part as string];
      else map[part as string] = next(map[part as string]);
    } else {
      map[part as string] = copy(map[part as string], depth + 1);
    }
    return map;
  };
  return copy(doc, 0) as DocumentData;
}

/** Strings that break a pattern while keeping a plausible length. */
const PATTERN_BREAKERS = ["a/b", "eur", "EU", "EURO", "E1R"];

function patternBreakers(pattern: RegExp): string[] {
  return PATTERN_BREAKERS.filter((candidate) => !pattern.test(candidate));
}

function at(path: Path, name: string, next: (current: unknown) => unknown): Mutation {
  return { name: `${pathName(path)} ${name}`, apply: (doc) => replaced(doc, path, next) };
}

function stringMutations(node: ZodNode, path: Path): Mutation[] {
  const { minLength, maxLength, pattern } = limitsOf(node);
  const mutations = [at(path, "as a number", () => 42)];
  if (minLength !== undefined && minLength > 0) mutations.push(at(path, `shorter than ${minLength}`, () => "x".repeat(minLength - 1)));
  if (maxLength !== undefined) mutations.push(at(path, `longer than ${maxLength}`, () => "x".repeat(maxLength + 1)));
  if (pattern) {
    for (const breaker of patternBreakers(pattern)) {
      mutations.push(at(path, `"${breaker}" against ${pattern}`, () => breaker));
    }
  }
  return mutations;
}

function numberMutations(node: ZodNode, path: Path): Mutation[] {
  const { integer, min, max } = limitsOf(node);
  const mutations = [at(path, "as a string", (current) => String(current))];
  if (integer) mutations.push(at(path, "as a fraction", (current) => (current as number) + 0.5));
  if (min !== undefined) mutations.push(at(path, `below ${min}`, () => min - 1));
  if (max !== undefined) mutations.push(at(path, `above ${max}`, () => max + 1));
  return mutations;
}

/** Mutations of the whole of `sample`, a document valid for `schema`. */
export function schemaMutations(schema: z.ZodType, sample: DocumentData, context: MutationContext): Mutation[] {
  return mutationsOf(schema as unknown as ZodNode, sample, context, []);
}

/** Mutations of the value at `path` in `sample`, which is valid for `node`. */
function mutationsOf(node: ZodNode, sample: DocumentData, context: MutationContext, path: Path): Mutation[] {
  const def = node._zod.def;
  const current = path.length === 0 ? sample : valueAt(sample, path);
  if (node === (timestampSchema as unknown as ZodNode)) {
    return [at(path, "as an ISO string", () => "2025-01-09T00:00:00Z"), at(path, "as epoch milliseconds", () => 1736380800000)];
  }
  switch (def.type) {
    case "optional":
    case "nullable":
      // Absent or null in the sample: only a value of no allowed type can be wrong here.
      if (current === undefined) return [];
      if (current === null) return [at(path, "as a boolean instead of null", () => true)];
      return mutationsOf(def.innerType as ZodNode, sample, context, path);
    case "object": {
      const shape = def.shape as Record<string, ZodNode>;
      const mutations: Mutation[] = [];
      for (const [key, child] of Object.entries(shape)) {
        const childPath = [...path, key];
        if (child._zod.def.type !== "optional" && valueAt(sample, childPath) !== undefined) {
          mutations.push({ name: `${pathName(childPath)} missing`, apply: (doc) => replaced(doc, childPath, () => undefined, true) });
        }
        mutations.push(...mutationsOf(child, sample, context, childPath));
      }
      const extraPath = [...path, "unexpected"];
      mutations.push({ name: `${pathName(extraPath)} (an unknown key)`, apply: (doc) => replaced(doc, extraPath, () => "x") });
      if (path.length > 0) mutations.push(at(path, "as a string", () => "x"));
      return mutations;
    }
    case "string":
      return stringMutations(node, path);
    case "number":
      return numberMutations(node, path);
    case "boolean":
      return [at(path, "as a string", () => "true")];
    case "array": {
      const list = current as unknown[];
      const { minLength, maxLength } = limitsOf(node);
      const mutations = [at(path, "as a string", () => "x")];
      if (minLength !== undefined && minLength > 0) mutations.push(at(path, `with fewer than ${minLength} elements`, () => list.slice(0, minLength - 1)));
      if (maxLength !== undefined) {
        mutations.push(at(path, `with more than ${maxLength} elements`, () => [...list, ...context.freshElements(path, maxLength + 1 - list.length)]));
      }
      // The last element: in a member list the first is the owner, whose removal says nothing new.
      if (list.length > 0) mutations.push(...mutationsOf(def.element as ZodNode, sample, context, [...path, list.length - 1]));
      return mutations;
    }
    case "record": {
      const entries = Object.entries(current as Record<string, unknown>);
      const mutations = [at(path, "as a string", () => "x")];
      const maxEntries = context.maxEntries(path);
      if (maxEntries !== undefined) {
        mutations.push(
          at(path, `with more than ${maxEntries} entries`, () => ({
            ...(current as object),
            ...Object.fromEntries(context.freshElements(path, maxEntries + 1 - entries.length).map((key) => [key as string, 0])),
          })),
        );
      }
      if (entries.length > 0) {
        const [lastKey, lastValue] = entries[entries.length - 1];
        mutations.push(...mutationsOf(def.valueType as ZodNode, sample, context, [...path, lastKey]));
        // Keys: the key's own string limits, applied by renaming the last entry. An empty key is
        // left out: the SDK refuses empty field names before any rule sees them.
        const { maxLength, pattern } = limitsOf(def.keyType as ZodNode);
        const badKeys: [string, string][] = [];
        if (maxLength !== undefined) badKeys.push([`a key longer than ${maxLength}`, "k".repeat(maxLength + 1)]);
        if (pattern) for (const breaker of patternBreakers(pattern)) badKeys.push([`key "${breaker}" against ${pattern}`, breaker]);
        for (const [name, key] of badKeys) {
          mutations.push(
            at(path, `with ${name}`, () => {
              const renamed = Object.fromEntries(entries.filter(([k]) => k !== lastKey));
              return { ...renamed, [key]: lastValue };
            }),
          );
        }
      }
      return mutations;
    }
    default:
      throw new Error(`no mutations for zod type "${def.type}" at ${pathName(path)}: extend mutationsOf`);
  }
}
