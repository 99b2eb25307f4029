// `npm run test:unit`: every suite that needs no emulator, on its own (seconds, not minutes).
import { spawnSync } from "node:child_process";
import { UNIT_SPECS } from "./suites";

const { status } = spawnSync("npx", ["mocha", ...UNIT_SPECS, ...process.argv.slice(2)], { stdio: "inherit" });
process.exitCode = status ?? 1;
