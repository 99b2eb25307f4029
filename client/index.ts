// The reference client for the expense-sync backend (docs/client-protocol.md).
export * from "./model";
export * from "./device";
export * from "./writes";
export * from "./queries";
export * from "./readMeter";
export * from "./replica";
export * from "./signal";
export * from "./pollLoop";
export * from "./serverReads";
export * from "./sync";
