// The admin rollout command as pure functions: read the command line, decide which project and
// actor it means, and apply a command to a config. scripts/rollout.ts only does the I/O, and
// rolloutStore.ts the transaction, so every rule here is unit-testable without Firestore.
import { LIMITS, SyncConfig, uidSchema } from "../core/schemas";

export type RolloutChangeCommand =
  | { kind: "set-percent"; percent: number }
  | { kind: "allow"; uid: string }
  | { kind: "disallow"; uid: string }
  | { kind: "enable" }
  | { kind: "disable" };

export type RolloutCommand = { kind: "status" } | RolloutChangeCommand;

export interface RolloutInvocation {
  /** `help` when --help was asked for: print the usage and stop. */
  command: RolloutCommand | { kind: "help" };
  project?: string;
  actor?: string;
}

export type RolloutInputErrorCode =
  | "missing-command"
  | "unknown-command"
  | "unknown-flag"
  | "flag-missing-value"
  | "flag-repeated"
  | "flag-not-for-command"
  | "missing-argument"
  | "unexpected-argument"
  | "percent-not-integer"
  | "percent-out-of-range"
  | "uid-invalid"
  | "project-invalid"
  | "project-required"
  | "project-demo-without-emulator"
  | "actor-invalid"
  | "allowlist-full";

/** Bad input to the rollout command: the CLI prints the message (and usage) and exits 2. */
export class RolloutInputError extends Error {
  constructor(
    readonly code: RolloutInputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "RolloutInputError";
  }
}

export const ROLLOUT_USAGE = `Usage: npm run rollout -- <command> [options]

Commands:
  status             print config/sync and its latest changes (changes nothing)
  set --percent N    set rolloutPercent to N (an integer 0..100)
  allow UID          add UID to allowlistUserIds (in the rollout whatever the percentage)
  disallow UID       remove UID from allowlistUserIds
  enable             realtimeSyncEnabled = true
  disable            realtimeSyncEnabled = false: the kill switch, nobody gets realtime sync

Options:
  --project ID       Firebase project; required unless FIRESTORE_EMULATOR_HOST is set
                     (on the emulator it defaults to the emulator project)
  --actor NAME       who makes the change, for the audit entry (changing commands only;
                     default: the service account of GOOGLE_APPLICATION_CREDENTIALS, else user@host)
  --help             print this help
  --                 end of options (for a UID that starts with '-')
`;

const FLAGS_WITH_VALUE = ["--project", "--actor", "--percent"] as const;
type ValueFlag = (typeof FLAGS_WITH_VALUE)[number];
const COMMAND_NAMES = ["status", "set", "allow", "disallow", "enable", "disable"] as const;
type CommandName = (typeof COMMAND_NAMES)[number];

// A Google Cloud project id: 6..30 of a-z 0-9 -, starting with a letter, not ending with '-'.
const PROJECT_ID_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const ACTOR_MAX = 200;

function isValueFlag(name: string): name is ValueFlag {
  return (FLAGS_WITH_VALUE as readonly string[]).includes(name);
}

function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

/** Splits argv into flags and positionals: `--flag value`, `--flag=value`, `--` ends the flags. */
function tokenize(argv: readonly string[]): { flags: Map<ValueFlag, string>; help: boolean; positionals: string[] } {
  const flags = new Map<ValueFlag, string>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === "--help" || token === "-h") {
      help = true;
      continue;
    }
    if (!token.startsWith("-") || token === "-") {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf("=");
    const name = equals === -1 ? token : token.slice(0, equals);
    if (!isValueFlag(name)) throw new RolloutInputError("unknown-flag", `unknown option ${name}`);
    let value: string | undefined;
    if (equals !== -1) value = token.slice(equals + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) value = argv[++i];
    if (value === undefined) throw new RolloutInputError("flag-missing-value", `${name} needs a value`);
    if (flags.has(name)) throw new RolloutInputError("flag-repeated", `${name} given more than once`);
    flags.set(name, value);
  }
  return { flags, help, positionals };
}

/** An integer 0..100 written in plain decimal digits ("25", not "25.0", "2.5e1" or "+25"). */
export function parsePercent(text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new RolloutInputError("percent-not-integer", `--percent must be a whole number 0..100, got ${JSON.stringify(text)}`);
  }
  const percent = Number(text);
  if (percent > 100) throw new RolloutInputError("percent-out-of-range", `--percent must be 0..100, got ${percent}`);
  return percent;
}

export function parseUid(text: string): string {
  const parsed = uidSchema.safeParse(text);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => issue.message).join("; ");
    throw new RolloutInputError(
      "uid-invalid",
      `${JSON.stringify(text)} is not a uid (1..${LIMITS.uidMax} characters, no '/'): ${reason}`,
    );
  }
  return parsed.data;
}

function parseProject(text: string): string {
  if (!PROJECT_ID_PATTERN.test(text)) {
    throw new RolloutInputError(
      "project-invalid",
      `--project ${JSON.stringify(text)} is not a project id (6..30 characters a-z 0-9 -, starting with a letter)`,
    );
  }
  return text;
}

function parseActor(text: string): string {
  const actor = text.trim();
  // Control characters would make the audit trail print misleadingly.
  if (actor.length === 0 || actor.length > ACTOR_MAX || /\p{Cc}/u.test(actor)) {
    throw new RolloutInputError("actor-invalid", `--actor must be 1..${ACTOR_MAX} printable characters`);
  }
  return actor;
}

function commandFrom(name: CommandName, operands: string[], percent: string | undefined): RolloutCommand {
  if (percent !== undefined && name !== "set") {
    throw new RolloutInputError("flag-not-for-command", `--percent only goes with "set"`);
  }
  const expectedOperands = name === "allow" || name === "disallow" ? 1 : 0;
  if (operands.length < expectedOperands) {
    throw new RolloutInputError("missing-argument", `"${name}" needs a UID: npm run rollout -- ${name} UID`);
  }
  if (operands.length > expectedOperands) {
    throw new RolloutInputError("unexpected-argument", `unexpected argument ${JSON.stringify(operands[expectedOperands])} after "${name}"`);
  }
  switch (name) {
    case "set":
      if (percent === undefined) throw new RolloutInputError("missing-argument", `"set" needs --percent N (0..100)`);
      return { kind: "set-percent", percent: parsePercent(percent) };
    case "allow":
    case "disallow":
      return { kind: name, uid: parseUid(operands[0]) };
    default:
      return { kind: name };
  }
}

/** Reads the command line (without the `node script` part). Throws RolloutInputError. */
export function parseRolloutArgs(argv: readonly string[]): RolloutInvocation {
  const { flags, help, positionals } = tokenize(argv);
  const project = flags.has("--project") ? parseProject(flags.get("--project") as string) : undefined;
  if (help) return { command: { kind: "help" }, project };
  const [name, ...operands] = positionals;
  if (name === undefined) throw new RolloutInputError("missing-command", "no command given");
  if (!isCommandName(name)) {
    throw new RolloutInputError("unknown-command", `unknown command ${JSON.stringify(name)} (expected one of ${COMMAND_NAMES.join(", ")})`);
  }
  const command = commandFrom(name, operands, flags.get("--percent"));
  const actorText = flags.get("--actor");
  if (actorText !== undefined && command.kind === "status") {
    throw new RolloutInputError("flag-not-for-command", `--actor only goes with a command that changes config/sync`);
  }
  return { command, project, actor: actorText === undefined ? undefined : parseActor(actorText) };
}

/** How a command is written in the audit trail: normalized, so history reads uniformly. */
export function formatRolloutCommand(command: RolloutCommand): string {
  switch (command.kind) {
    case "set-percent":
      return `set --percent ${command.percent}`;
    case "allow":
    case "disallow":
      return `${command.kind} ${command.uid}`;
    default:
      return command.kind;
  }
}

export interface RolloutTarget {
  projectId: string;
  /** host:port of the Firestore emulator, or undefined for a real project. */
  emulatorHost?: string;
}

/**
 * Which Firestore the command talks to. Off the emulator the project must be named, so a stray
 * default credential can never point an admin write at a project nobody chose.
 */
export function resolveRolloutTarget(
  project: string | undefined,
  emulatorHost: string | undefined,
  emulatorProjectId: string,
): RolloutTarget {
  if (emulatorHost) return { projectId: project ?? emulatorProjectId, emulatorHost };
  if (project === undefined) {
    throw new RolloutInputError("project-required", "--project ID is required when FIRESTORE_EMULATOR_HOST is not set");
  }
  if (project.startsWith("demo-")) {
    throw new RolloutInputError(
      "project-demo-without-emulator",
      `${project} is a demo project, which exists only on the emulator: set FIRESTORE_EMULATOR_HOST`,
    );
  }
  return { projectId: project };
}

export type RolloutActorSource = "flag" | "service-account" | "os-user";

export interface RolloutActor {
  actor: string;
  source: RolloutActorSource;
}

/**
 * Who the audit entry names: --actor when given; else the service account the Admin SDK signs in
 * as (read from GOOGLE_APPLICATION_CREDENTIALS); else the local user@host. A person's own ADC
 * (`gcloud auth application-default login`) carries no email offline, hence the user@host fallback.
 */
export function resolveRolloutActor(
  flag: string | undefined,
  environment: { serviceAccountEmail?: string; osUser: string; hostname: string },
): RolloutActor {
  if (flag !== undefined) return { actor: flag, source: "flag" };
  if (environment.serviceAccountEmail) return { actor: environment.serviceAccountEmail, source: "service-account" };
  return { actor: `${environment.osUser}@${environment.hostname}`, source: "os-user" };
}

export interface RolloutChange {
  after: SyncConfig;
  changed: boolean;
  /** One line for the operator: what changed, or why nothing did. */
  summary: string;
}

function unchanged(config: SyncConfig, summary: string): RolloutChange {
  return { after: config, changed: false, summary: `no change: ${summary}` };
}

/** Applies a command to a config (never mutating it). Throws RolloutInputError when it cannot. */
export function applyRolloutCommand(config: SyncConfig, command: RolloutChangeCommand): RolloutChange {
  switch (command.kind) {
    case "set-percent":
      if (config.rolloutPercent === command.percent) return unchanged(config, `rolloutPercent is already ${command.percent}`);
      return {
        after: { ...config, rolloutPercent: command.percent },
        changed: true,
        summary: `rolloutPercent ${config.rolloutPercent} -> ${command.percent}`,
      };
    case "allow":
      if (config.allowlistUserIds.includes(command.uid)) return unchanged(config, `${command.uid} is already on the allowlist`);
      if (config.allowlistUserIds.length >= LIMITS.allowlistMax) {
        throw new RolloutInputError(
          "allowlist-full",
          `the allowlist already holds ${LIMITS.allowlistMax} uids (the most config/sync allows); disallow one or raise the percentage instead`,
        );
      }
      return {
        after: { ...config, allowlistUserIds: [...config.allowlistUserIds, command.uid] },
        changed: true,
        summary: `added ${command.uid} to the allowlist`,
      };
    case "disallow":
      if (!config.allowlistUserIds.includes(command.uid)) return unchanged(config, `${command.uid} is not on the allowlist`);
      return {
        after: { ...config, allowlistUserIds: config.allowlistUserIds.filter((uid) => uid !== command.uid) },
        changed: true,
        summary: `removed ${command.uid} from the allowlist`,
      };
    case "enable":
    case "disable": {
      const enabled = command.kind === "enable";
      if (config.realtimeSyncEnabled === enabled) return unchanged(config, `realtime sync is already ${enabled ? "enabled" : "disabled"}`);
      return {
        after: { ...config, realtimeSyncEnabled: enabled },
        changed: true,
        summary: enabled ? "realtime sync enabled" : "realtime sync disabled (kill switch)",
      };
    }
  }
}
