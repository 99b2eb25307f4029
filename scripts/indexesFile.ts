// The shape of firestore.indexes.json, checked before a deploy: the Firestore API refuses a
// malformed file only halfway through `firebase deploy`, after the rules may have gone out. The
// schema knows the keys this project uses; one it does not know is reported, not ignored, since a
// misspelt key would otherwise be deployed as if it were absent.
import { z } from "zod";

const nonEmpty = z.string().min(1);
const queryScope = z.enum(["COLLECTION", "COLLECTION_GROUP"]);
const order = z.enum(["ASCENDING", "DESCENDING"]);
const arrayConfig = z.enum(["CONTAINS"]);
const exactlyOneMode = (field: { order?: unknown; arrayConfig?: unknown }) => (field.order === undefined) !== (field.arrayConfig === undefined);
const EXACTLY_ONE_MODE = { error: "needs exactly one of order and arrayConfig" };

const indexField = z.strictObject({ fieldPath: nonEmpty, order: order.optional(), arrayConfig: arrayConfig.optional() }).refine(exactlyOneMode, EXACTLY_ONE_MODE);

const compositeIndex = z.strictObject({
  collectionGroup: nonEmpty,
  queryScope,
  // Firestore refuses a one-field composite index: single fields are configured as overrides.
  fields: z.array(indexField).min(2, { error: "a composite index needs at least two fields (index a single field in fieldOverrides)" }),
});

const overrideIndex = z.strictObject({ queryScope, order: order.optional(), arrayConfig: arrayConfig.optional() }).refine(exactlyOneMode, EXACTLY_ONE_MODE);

const fieldOverride = z.strictObject({
  collectionGroup: nonEmpty,
  fieldPath: nonEmpty,
  ttl: z.boolean().optional(),
  indexes: z.array(overrideIndex),
});

const indexesFile = z.strictObject({ indexes: z.array(compositeIndex), fieldOverrides: z.array(fieldOverride).optional() });

/** `indexes[0].fields[1].order` for the path zod gives. */
function location(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("") || "the file";
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined), input);
}

/** Everything wrong with the text of an indexes file, one sentence each (none when it is valid). */
export function indexesFileProblems(text: string): string[] {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  const result = indexesFile.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    // zod names the allowed values but not the one found, which is what the reader has to fix.
    const value = issue.code === "invalid_value" ? valueAt(input, issue.path) : undefined;
    return `${location(issue.path)}: ${issue.message}${value === undefined ? "" : ` (got ${JSON.stringify(value)})`}`;
  });
}
