// Runs a command of this repo as an operator would (`npx tsx <script> ...`, from the repo root),
// so tests see its real exit code and output.
import { execFile } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(__dirname, "../../..");

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `script` is relative to the repo root; `env` is the command's whole environment. */
export function runTool(script: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ToolRun> {
  return new Promise((done) => {
    execFile(process.execPath, [require.resolve("tsx/cli"), script, ...args], { cwd: ROOT, env }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The usage error as the convention prints it (tools/cli.ts): the sentence alone. */
export function usageErrorSentence(run: ToolRun): string | undefined {
  return /^error: ([^\n]+)\. Run with --help for usage\.\n$/.exec(run.stderr)?.[1];
}
