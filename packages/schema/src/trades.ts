/**
 * `trades.arrow`: every execution of a run, on every venue — who traded with whom, at what price,
 * and whether a side was the liquidation engine, the insurance fund or an auto-deleveraged trader.
 * Written only when the run records trades (`RecorderConfig.trades`, `cascade run --trades`).
 *
 * @module
 */

import type { TypedColumnSpec } from "./keys.ts";

/** How an execution happened (the `kind` column). */
export const TradeKind = {
  /** Matched in the order book: the taker's order met a resting (maker) order at the maker's price. */
  Book: 0,
  /**
   * The insurance fund took over what a liquidation order left, at the bankruptcy price: the
   * liquidated account is the taker, the fund the maker.
   */
  Takeover: 1,
  /**
   * Auto-deleveraging closed the fund's taken-over position against an opposite trader's, at the
   * bankruptcy price: the fund is the taker, the deleveraged trader the maker.
   */
  Adl: 2,
} as const;
/** One of the {@link TradeKind} values. */
export type TradeKind = (typeof TradeKind)[keyof typeof TradeKind];

/** Who a side of an execution was (the `taker_role` and `maker_role` columns). */
export const TradeRole = {
  /** A trader's own order. */
  Trader: 0,
  /** The liquidation engine's order for this account (full, partial or the takeover). */
  Liquidation: 1,
  /** The insurance fund (account 0 of a perpetual venue): its workout orders, takeovers and ADL. */
  Fund: 2,
  /** A trader whose position auto-deleveraging closed. */
  Adl: 3,
} as const;
/** One of the {@link TradeRole} values. */
export type TradeRole = (typeof TradeRole)[keyof typeof TradeRole];

/** Codes of the `kind` column (code → name). */
export const TRADE_KIND_CODES: Readonly<Record<number, string>> = Object.freeze({
  0: "book",
  1: "takeover",
  2: "adl",
});
/** Codes of the `taker_role` and `maker_role` columns (code → name). */
export const TRADE_ROLE_CODES: Readonly<Record<number, string>> = Object.freeze({
  0: "trader",
  1: "liquidation",
  2: "fund",
  3: "adl",
});
/** Codes of an order's side (the `aggressor_side` column): 0 buy, 1 sell. */
export const ORDER_SIDE_CODES: Readonly<Record<number, string>> = Object.freeze({ 0: "buy", 1: "sell" });

/**
 * The columns of `trades.arrow` after `run_id`, in order. `venue`, `taker_agent` and
 * `maker_agent` are Utf8 (the simulator keeps indices into its venue and agent names); the
 * others are of the given type.
 */
export const TRADE_COLUMNS = Object.freeze({
  time_s: { type: "float64", unit: "s", description: "simulated time of the execution" },
  venue: { type: "utf8", unit: "", description: "name of the venue it happened on" },
  kind: { type: "uint8", unit: "", description: "how it happened", codes: TRADE_KIND_CODES },
  price: {
    type: "float64",
    unit: "quote/base",
    description: "execution price (book: the maker's price; takeover and adl: the bankruptcy price)",
  },
  qty: { type: "float64", unit: "base", description: "quantity executed" },
  aggressor_side: {
    type: "uint8",
    unit: "",
    description: "side of the taker (the maker took the other side)",
    codes: ORDER_SIDE_CODES,
  },
  taker_account: { type: "int32", unit: "", description: "the taker's account on the venue" },
  taker_agent: {
    type: "utf8",
    unit: "",
    description: "name of the agent owning the taker's account (null: the insurance fund)",
  },
  taker_role: { type: "uint8", unit: "", description: "who the taker was", codes: TRADE_ROLE_CODES },
  maker_account: { type: "int32", unit: "", description: "the maker's account on the venue" },
  maker_agent: {
    type: "utf8",
    unit: "",
    description: "name of the agent owning the maker's account (null: the insurance fund)",
  },
  maker_role: { type: "uint8", unit: "", description: "who the maker was", codes: TRADE_ROLE_CODES },
} as const satisfies Readonly<Record<string, TypedColumnSpec>>);

/** Name of a column of {@link TRADE_COLUMNS}. */
export type TradeColumn = keyof typeof TRADE_COLUMNS;
