// @expense-sync/client: the sync client for the expense-sync backend (docs/client-protocol.md).
export * from "./model";
export * from "./device";
export * from "./writes";
export * from "./queries";
export * from "./readMeter";
export * from "./replica";
export * from "./storedValues";
export * from "./storage";
export * from "./signal";
export * from "./pollLoop";
export * from "./serverReads";
export * from "./sync";
export * from "./visibility";
export { isInRollout, rolloutBucket, defaultSyncConfig } from "../../core/rollout";
