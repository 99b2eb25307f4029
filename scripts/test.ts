// `npm test`: runs every mocha suite inside `firebase emulators:exec` on a demo- project, so no
// test can reach production. Extra arguments go to mocha (e.g. a single spec file).
// EMULATOR_PORT_OFFSET=100 moves every emulator port (+1000), to run a second suite beside a first.
import { EmulatorSetupError, execInEmulators } from "./emulators";

async function main(): Promise<number> {
  try {
    const { status } = await execInEmulators(["npx", "mocha", ...process.argv.slice(2)], {
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
