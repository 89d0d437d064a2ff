// Preloaded with `node --import` into a process and each of its worker threads: registers
// hooks.mjs, which appends every module the thread loads to the file $CASCADE_LOAD_LOG.
import { register } from "node:module";
import { threadId } from "node:worker_threads";

register(new URL("./hooks.mjs", import.meta.url), {
  data: { log: process.env.CASCADE_LOAD_LOG, thread: threadId },
});
