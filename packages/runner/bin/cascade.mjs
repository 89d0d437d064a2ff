#!/usr/bin/env node
// The `cascade` command of @cascade/runner. In the repository the CLI is TypeScript: register tsx,
// then import it; a compiled package (dist/) is imported directly.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(source.href);
} else {
  cli = await import(new URL("../dist/cli/main.js", import.meta.url).href);
}
process.exitCode = await cli.main(process.argv.slice(2));
