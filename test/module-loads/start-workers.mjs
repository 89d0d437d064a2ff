// Starts the runner's pool worker (worker-entry.mjs, as piscina does) once per experiment file
// given as an argument, one after the other, and prints `<threadId> <file> <exit code>` for each:
// a worker imports its experiment while it starts, so its loads are the worker's import graph.
import { Worker } from "node:worker_threads";

const entry = new URL("../../packages/runner/src/worker-entry.mjs", import.meta.url);
for (const file of process.argv.slice(2)) {
  const worker = new Worker(entry, {
    workerData: { experimentFile: file, started: new SharedArrayBuffer(8) },
  });
  const thread = worker.threadId; // -1 once it has exited
  const code = await new Promise((resolve) => {
    worker.on("error", (e) => {
      console.error(`${file}: ${e.stack ?? e}`);
    });
    worker.on("exit", resolve);
  });
  console.log(`${thread} ${file} ${code}`);
}
