// The one firebase-tools internal this project uses (it ships no type declarations): how the
// Functions emulator reads the functions' dotenv files, so scripts/emulators.ts reads them alike.
declare module "firebase-tools/lib/functions/env" {
  export function loadUserEnvs(options: { functionsSource: string; projectId: string; isEmulator: boolean }): Record<string, string>;
}
