/**
 * The order book implementations the matching benchmark knows, loaded on demand so a trial
 * process imports only the one it measures (and a missing implementation fails only its trials).
 *
 * @module
 */

import type { Replayer } from "./replayers/replayer.ts";

/** Names of the implementations. */
export const IMPLEMENTATIONS = {
  fast: {
    label: "OrderBook (fast)",
    load: async () => (await import("./replayers/fast.ts")).fastReplayer,
  },
  minimal: {
    label: "minimal typed-array book",
    load: async () => (await import("./replayers/minimal.ts")).minimalReplayer,
  },
  reference: {
    label: "ReferenceBook (naive)",
    load: async () => (await import("./replayers/reference.ts")).referenceReplayer,
  },
  "nodejs-order-book": {
    label: "nodejs-order-book 10.1.1",
    load: async () => (await import("./replayers/nodejs-order-book.ts")).nodejsOrderBookReplayer,
  },
} as const satisfies Record<string, { label: string; load: () => Promise<Replayer> }>;

/** One of the {@link IMPLEMENTATIONS}. */
export type ImplementationName = keyof typeof IMPLEMENTATIONS;

/** Loads implementation `name`, or resolves with the reason it cannot be loaded. */
export async function tryLoadImplementation(name: ImplementationName): Promise<Replayer | Error> {
  try {
    return await IMPLEMENTATIONS[name].load();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
