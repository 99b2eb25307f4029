// `npm test`: runs every mocha suite inside `firebase emulators:exec` on a demo- project, so no
// test can reach production. Spec files given as arguments replace the full list.
// EMULATOR_PORT_OFFSET=100 moves every emulator port (+1000), to run a second suite beside a first.
import { EmulatorSetupError, execInEmulators } from "./emulators";
import { EMULATOR_SPECS, UNIT_SPECS } from "./suites";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const specs = args.some((arg) => !arg.startsWith("-")) ? [] : [...UNIT_SPECS, ...EMULATOR_SPECS];
  try {
    const { status } = await execInEmulators(["npx", "mocha", ...specs, ...args], {
      portOffset: Number(process.env.EMULATOR_PORT_OFFSET ?? 0),
    });
    return status;
  } catch (error) {
    if (!(error instanceof EmulatorSetupError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

void main().then((status) => {
  process.exitCode = status;
});
