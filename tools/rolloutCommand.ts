// The admin rollout command as pure functions: read the command line, decide which actor it
// means, and apply a command to a config. rollout.ts only does the I/O, and rolloutStore.ts the
// transaction, so every rule here is unit-testable without Firestore.
import { LIMITS, SyncConfig, uidSchema } from "../core/schemas";
import { parseCommandLine, UsageError, wholeNumber } from "./cli";

export type RolloutChangeCommand =
  | { kind: "set-percent"; percent: number }
  | { kind: "allow"; uid: string }
  | { kind: "disallow"; uid: string }
  | { kind: "enable" }
  | { kind: "disable" }
  | { kind: "legacy"; on: boolean };

export type RolloutCommand = { kind: "status" } | RolloutChangeCommand;

export interface RolloutInvocation {
  /** `help` when --help was asked for: print the usage and stop. */
  command: RolloutCommand | { kind: "help" };
  project?: string;
  actor?: string;
}

export const ROLLOUT_USAGE = `Usage: npm run rollout -- <command> [options]

Commands:
  status             print config/sync and its latest changes (changes nothing)
  set --percent N    set rolloutPercent to N (a whole number 0..100)
  allow UID          add UID to allowlistUserIds (in the rollout whatever the percentage)
  disallow UID       remove UID from allowlistUserIds
  enable             realtimeSyncEnabled = true
  disable            realtimeSyncEnabled = false: the kill switch, nobody gets realtime sync
  legacy on|off      legacyWrites: whether app builds from before 2.1 may still write
                     ("off" ends the compatibility window: see docs/operations.md)

Options:
  --project ID       Firebase project; required unless FIRESTORE_EMULATOR_HOST is set
                     (on the emulator it defaults to the emulator project and must be a demo- one;
                     off it, a demo- project is refused)
  --actor NAME       who makes the change, for the audit entry (changing commands only;
                     default: the service account of GOOGLE_APPLICATION_CREDENTIALS, else user@host)
  -h, --help         print this help
  --                 end of options (for a UID that starts with '-')

Exit codes: 0 done, 1 failed (or refused: broken stored config, full allowlist), 2 bad input.
`;

const ROLLOUT_OPTIONS = {
  project: { type: "string" },
  actor: { type: "string" },
  percent: { type: "string" },
} as const;

const COMMAND_NAMES = ["status", "set", "allow", "disallow", "enable", "disable", "legacy"] as const;
type CommandName = (typeof COMMAND_NAMES)[number];

const ACTOR_MAX = 200;

function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

function parseUid(text: string): string {
  const parsed = uidSchema.safeParse(text);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => issue.message).join("; ");
    throw new UsageError(`${JSON.stringify(text)} is not a uid (1..${LIMITS.uidMax} characters, no '/'): ${reason}`);
  }
  return parsed.data;
}

function parseActor(text: string): string {
  const actor = text.trim();
  // Control characters would make the audit trail print misleadingly.
  if (actor.length === 0 || actor.length > ACTOR_MAX || /\p{Cc}/u.test(actor)) {
    throw new UsageError(`--actor must be 1..${ACTOR_MAX} printable characters`);
  }
  return actor;
}

function commandFrom(name: CommandName, operands: string[], percent: string | undefined): RolloutCommand {
  if (percent !== undefined && name !== "set") throw new UsageError(`--percent only goes with "set"`);
  const expectedOperands = name === "allow" || name === "disallow" || name === "legacy" ? 1 : 0;
  if (operands.length < expectedOperands) {
    throw new UsageError(name === "legacy" ? `"legacy" needs on or off: npm run rollout -- legacy on|off` : `"${name}" needs a UID: npm run rollout -- ${name} UID`);
  }
  if (operands.length > expectedOperands) {
    throw new UsageError(`unexpected argument ${JSON.stringify(operands[expectedOperands])} after "${name}"`);
  }
  switch (name) {
    case "set":
      if (percent === undefined) throw new UsageError(`"set" needs --percent N (0..100)`);
      return { kind: "set-percent", percent: wholeNumber("--percent", percent, 0, 100) };
    case "allow":
    case "disallow":
      return { kind: name, uid: parseUid(operands[0]) };
    case "legacy":
      if (operands[0] !== "on" && operands[0] !== "off") throw new UsageError(`"legacy" takes on or off (got ${JSON.stringify(operands[0])})`);
      return { kind: "legacy", on: operands[0] === "on" };
    default:
      return { kind: name };
  }
}

/**
 * Reads the command line (without the `node script` part); throws a UsageError on bad input. The
 * project id is checked later, with the emulator setting, by resolveProjectTarget.
 */
export function parseRolloutArgs(argv: readonly string[]): RolloutInvocation {
  const { values, positionals, help } = parseCommandLine(argv, ROLLOUT_OPTIONS, { allowPositionals: true });
  if (help) return { command: { kind: "help" } };
  const [name, ...operands] = positionals;
  const expected = `expected one of ${COMMAND_NAMES.join(", ")}`;
  if (name === undefined) throw new UsageError(`no command given (${expected})`);
  if (!isCommandName(name)) throw new UsageError(`unknown command ${JSON.stringify(name)} (${expected})`);
  const command = commandFrom(name, operands, values.percent);
  if (values.actor !== undefined && command.kind === "status") {
    throw new UsageError(`--actor only goes with a command that changes config/sync`);
  }
  return { command, project: values.project, actor: values.actor === undefined ? undefined : parseActor(values.actor) };
}

/** How a command is written in the audit trail: normalized, so history reads uniformly. */
export function formatRolloutCommand(command: RolloutCommand): string {
  switch (command.kind) {
    case "set-percent":
      return `set --percent ${command.percent}`;
    case "allow":
    case "disallow":
      return `${command.kind} ${command.uid}`;
    case "legacy":
      return `legacy ${command.on ? "on" : "off"}`;
    default:
      return command.kind;
  }
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

/** Applies a command to a config (never mutating it). Throws when it cannot (a full allowlist). */
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
        throw new Error(
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
    case "legacy": {
      // Absent means on (core/schemas.ts): the change is from the effective value.
      const current = config.legacyWrites ?? true;
      const state = (on: boolean) => (on ? "on" : "off");
      if (current === command.on) return unchanged(config, `legacy writes are already ${state(command.on)}`);
      return {
        after: { ...config, legacyWrites: command.on },
        changed: true,
        summary: command.on ? "legacy writes on: app builds from before 2.1 may write again" : "legacy writes off: the compatibility window is closed",
      };
    }
  }
}
