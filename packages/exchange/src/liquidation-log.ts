/**
 * Every step the liquidation engine takes, as growable columns ready for the recorder and Arrow:
 * one row per step, never an object per row.
 *
 * @module
 */

import { grown } from "@cascade/core";
import type { LiquidationStage } from "@cascade/schema";

// The stage codes are part of the output contract: they live in @cascade/schema, which the
// recorder, the runner and analysis read too.
export { LIQUIDATION_STAGE_NAMES, LiquidationStage } from "@cascade/schema";

/** Append-only columnar log of liquidation steps. */
export class LiquidationLog {
  /** Number of rows. */
  length = 0;
  /** Simulated time of the step, ns. */
  timeNs: Float64Array;
  /** Liquidated account (the counterparty for ADL rows, the fund for workout rows). */
  account: Int32Array;
  /** Side of the position being closed: 0 long, 1 short. */
  side: Uint8Array;
  /** Lots closed in this step. */
  qtyLots: Float64Array;
  /** Mark price at the step, ticks. */
  markTicks: Float64Array;
  /** The account's liquidation trigger, ticks (-1 for ADL and workout rows). */
  liquidationTicks: Float64Array;
  /** Bankruptcy price of the closed lots, ticks (fractional). */
  bankruptcyTicks: Float64Array;
  /** Average fill price of this step, ticks (NaN when nothing filled). */
  fillTicks: Float64Array;
  /** Change of the insurance fund's equity caused by this step, quote units. */
  fundDeltaUnits: Float64Array;
  /** {@link LiquidationStage}. */
  stage: Uint8Array;

  constructor(capacity = 1024) {
    this.timeNs = new Float64Array(capacity);
    this.account = new Int32Array(capacity);
    this.side = new Uint8Array(capacity);
    this.qtyLots = new Float64Array(capacity);
    this.markTicks = new Float64Array(capacity);
    this.liquidationTicks = new Float64Array(capacity);
    this.bankruptcyTicks = new Float64Array(capacity);
    this.fillTicks = new Float64Array(capacity);
    this.fundDeltaUnits = new Float64Array(capacity);
    this.stage = new Uint8Array(capacity);
  }

  /** Appends one step. */
  push(
    timeNs: number,
    account: number,
    side: number,
    qtyLots: number,
    markTicks: number,
    liquidationTicks: number,
    bankruptcyTicks: number,
    fillTicks: number,
    fundDeltaUnits: number,
    stage: LiquidationStage,
  ): void {
    const i = this.length;
    if (i === this.timeNs.length) this.grow();
    this.timeNs[i] = timeNs;
    this.account[i] = account;
    this.side[i] = side;
    this.qtyLots[i] = qtyLots;
    this.markTicks[i] = markTicks;
    this.liquidationTicks[i] = liquidationTicks;
    this.bankruptcyTicks[i] = bankruptcyTicks;
    this.fillTicks[i] = fillTicks;
    this.fundDeltaUnits[i] = fundDeltaUnits;
    this.stage[i] = stage;
    this.length = i + 1;
  }

  /** Number of rows of one stage. */
  count(stage: LiquidationStage): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (this.stage[i] === stage) n++;
    return n;
  }

  private grow(): void {
    const n = this.timeNs.length * 2;
    this.timeNs = grown(this.timeNs, n);
    this.account = grown(this.account, n);
    this.side = grown(this.side, n);
    this.qtyLots = grown(this.qtyLots, n);
    this.markTicks = grown(this.markTicks, n);
    this.liquidationTicks = grown(this.liquidationTicks, n);
    this.bankruptcyTicks = grown(this.bankruptcyTicks, n);
    this.fillTicks = grown(this.fillTicks, n);
    this.fundDeltaUnits = grown(this.fundDeltaUnits, n);
    this.stage = grown(this.stage, n);
  }
}
