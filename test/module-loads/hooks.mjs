// Module hooks (see record.mjs): one line `<threadId> <url>` per module loaded.
import { appendFileSync } from "node:fs";

let log = "";
let thread = 0;

export function initialize(data) {
  log = data.log;
  thread = data.thread;
}

export async function load(url, context, nextLoad) {
  appendFileSync(log, `${thread} ${url}\n`);
  return nextLoad(url, context);
}
