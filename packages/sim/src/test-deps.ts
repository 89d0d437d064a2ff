/** Re-exports for the test agents. @module */
export { BTCUSDT, NS_PER_MS, Side } from "@cascade/core";
/** A duration in ns. */
export type NanosLike = number;
