// The emulators start under any demo project id with no terminal: functions/.env gives every param
// its default, so the Functions emulator has nothing to prompt for (a prompt with stdin closed
// waits forever). This starts a second emulator suite beside the one the test runs in.
import { expect } from "chai";
import { emulatorPortOffset, execInEmulators, portShift } from "../../../scripts/emulators";

const DEADLINE_MS = 120_000;
const INNER_MARK = "the command inside the emulators ran";

/** The next port offset with ports of its own: the suite running this test holds `offset`'s. */
function nextPortOffset(offset: number): number {
  let next = offset + 1;
  while (portShift(next) === portShift(offset)) next += 1;
  return next;
}

describe("emulators under another project id", function () {
  // The deadline, then the time the CLI takes to shut its emulators down after the abort.
  this.timeout(DEADLINE_MS + 60_000);

  it("load every function without prompting, stdin closed, within the deadline", async () => {
    const run = await execInEmulators(["node", "-e", `console.log(${JSON.stringify(INNER_MARK)})`], {
      projectId: "demo-other-project",
      only: ["functions", "firestore"],
      portOffset: nextPortOffset(emulatorPortOffset()),
      signal: AbortSignal.timeout(DEADLINE_MS),
      onLine: () => undefined,
    });
    const output = run.lines.join("\n");
    const prompt = run.lines.find((line) => /Enter an? \w+ value for/.test(line));
    expect(prompt, "the Functions emulator prompted for a param").to.equal(undefined);
    expect(run.lines, output).to.include(INNER_MARK);
    const loaded = /Loaded functions definitions from source: (.*)\./.exec(output)?.[1].split(", ");
    expect(loaded, output).to.include.members(["expenseChanged", "groupWritten", "scheduledPurge", "syncHealthRollup"]);
    expect(run.status, output).to.equal(0);
  });
});
