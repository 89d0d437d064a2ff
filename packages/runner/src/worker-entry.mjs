// Entry of the runner's piscina workers. Worker threads inherit the main thread's execArgv, but
// on Node 20 a TypeScript loader given there (`tsx …`, `node --import tsx …`) does not take
// effect in a worker, and vitest's transform never does: so this plain-JS entry registers tsx in
// the worker itself, then imports the TypeScript worker. A compiled build (dist/worker.js beside
// this file) is imported directly.
import { existsSync } from "node:fs";

const tsWorker = new URL("./worker.ts", import.meta.url);
let mod;
if (existsSync(tsWorker)) {
  const { register } = await import("tsx/esm/api");
  register();
  mod = await import(tsWorker.href);
} else {
  mod = await import(new URL("./worker.js", import.meta.url).href);
}

export default mod.default;
