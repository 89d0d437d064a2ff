/**
 * `liquidations.arrow`: one row per step of the liquidation engine, and the stage codes the
 * exchange writes into its liquidation log.
 *
 * @module
 */

import type { TypedColumnSpec } from "./keys.ts";

/** What a liquidation step did (the `stage` column). */
export const LiquidationStage = {
  /** The engine's IOC order, limited at the bankruptcy price, filled in the book. */
  Book: 0,
  /** The insurance fund took over what the book did not absorb, at the bankruptcy price. */
  Takeover: 1,
  /** Auto-deleveraging closed an opposite position at the bankruptcy price. */
  Adl: 2,
  /** The insurance fund sold (or bought) part of its inventory through the book. */
  FundWorkout: 3,
  /** A partial (tier-reducing) liquidation order filled in the book. */
  Partial: 4,
  /**
   * The insurance fund absorbed a deficit: of an account whose own order filled beyond bankruptcy,
   * or a funding payment an isolated account could not pay (the row's quantity is its position).
   */
  FundCover: 5,
} as const;
/** One of the {@link LiquidationStage} values. */
export type LiquidationStage = (typeof LiquidationStage)[keyof typeof LiquidationStage];

/** Stage names as written to files, indexed by code: `book`, `takeover`, `adl`, `fund_workout`, `partial`, `fund_cover`. */
export const LIQUIDATION_STAGE_NAMES = Object.freeze([
  "book",
  "takeover",
  "adl",
  "fund_workout",
  "partial",
  "fund_cover",
] as const);

/** Codes of the `stage` column (code → name), as in its `cascade.codes`. */
export const STAGE_CODES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(LIQUIDATION_STAGE_NAMES.map((name, code) => [code, name])),
);

/** Codes of a position's side (the `side` column of `liquidations.arrow`). */
export const POSITION_SIDE_CODES: Readonly<Record<number, string>> = Object.freeze({ 0: "long", 1: "short" });

/** The columns of `liquidations.arrow` after `run_id`, in order. */
export const LIQUIDATION_COLUMNS = Object.freeze({
  time_s: {
    type: "float64",
    unit: "s",
    description: "simulated time of the step (a mark update or a funding settlement; fund_cover: the fill)",
  },
  account: {
    type: "int32",
    unit: "",
    description:
      "the liquidated account (adl: the deleveraged counterparty; fund_workout: 0, the fund; fund_cover: the covered account)",
  },
  side: {
    type: "uint8",
    unit: "",
    description: "side of the position being closed (adl: the counterparty's; fund_workout: the fund's)",
    codes: POSITION_SIDE_CODES,
  },
  qty: { type: "float64", unit: "base", description: "quantity closed in this step" },
  mark: { type: "float64", unit: "quote/base", description: "mark price at the step" },
  liquidation_price: {
    type: "float64",
    unit: "quote/base",
    description: "the account's liquidation trigger (NaN for adl, fund_workout and fund_cover rows)",
  },
  bankruptcy_price: {
    type: "float64",
    unit: "quote/base",
    description: "bankruptcy price of the closed quantity (NaN for fund_workout and fund_cover rows)",
  },
  fill_price: {
    type: "float64",
    unit: "quote/base",
    description: "average fill price of the step (NaN when nothing filled; adl: the bankruptcy price)",
  },
  fund_delta: {
    type: "float64",
    unit: "quote",
    description: "effect of the step on the insurance fund (see the output-schema guide, by stage)",
  },
  stage: { type: "uint8", unit: "", description: "what the step did", codes: STAGE_CODES },
} as const satisfies Readonly<Record<string, TypedColumnSpec>>);

/** Name of a column of {@link LIQUIDATION_COLUMNS}. */
export type LiquidationColumn = keyof typeof LIQUIDATION_COLUMNS;
