// `npm test`: runs every mocha suite inside `firebase emulators:exec` on a demo- project, so no
// test can reach production. Extra arguments go to mocha (e.g. a single spec file).
// EMULATOR_PORT_OFFSET=100 shifts every emulator port, to run a second suite beside a first.
import { spawnSync } from "node:child_process";
import { EmulatorSetupError, PROJECT_ID, ROOT, firebaseBin, planEmulators } from "./emulators";

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function main(): number {
  const portOffset = Number(process.env.EMULATOR_PORT_OFFSET ?? 0);
  let plan;
  try {
    plan = planEmulators({ interactive: false, portOffset });
  } catch (error) {
    if (error instanceof EmulatorSetupError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const mocha = ["npx", "mocha", ...process.argv.slice(2).map(shellQuote)].join(" ");
  const result = spawnSync(
    process.execPath,
    [firebaseBin(), "emulators:exec", "--config", plan.configPath, "--project", PROJECT_ID, "--only", plan.only.join(","), mocha],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...plan.env } },
  );
  return result.status ?? 1;
}

process.exitCode = main();
