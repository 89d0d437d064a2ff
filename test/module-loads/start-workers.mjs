// Starts the runner's compiled pool worker (the bundle `worker-bundle.ts` makes for an experiment,
// as piscina does) once per bundle given as an argument, one after the other, and prints
// `<threadId> <bundle> <exit code>` for each: a worker imports its experiment while it starts, so
// its loads are the worker's import graph.
import { Worker } from "node:worker_threads";

for (const bundle of process.argv.slice(2)) {
  const worker = new Worker(bundle, { workerData: { started: new SharedArrayBuffer(8) } });
  const thread = worker.threadId; // -1 once it has exited
  const code = await new Promise((resolve) => {
    worker.on("error", (e) => {
      console.error(`${bundle}: ${e.stack ?? e}`);
    });
    worker.on("exit", resolve);
  });
  console.log(`${thread} ${bundle} ${code}`);
}
