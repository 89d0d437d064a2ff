/**
 * The perpetual venue's accounts as struct-of-arrays columns (10^6 accounts cost ~150 MB, not
 * 10^6 objects), and the one function that moves a position: {@link PerpAccounts.applyTrade}.
 *
 * Accounting (exact, integers in quote units):
 * - `wallet`: deposits − withdrawals + realised PnL − fees ∓ funding. For isolated accounts it
 *   includes `isoMargin`, the part allocated to the position.
 * - `basis`: signed entry value of the open position (size × entry price × m). Closing q of |size|
 *   lots releases basis × q/|size| and realises `sign × exitNotional − released`.
 * - Whatever the rounding of the released basis, Σ(wallet − basis) over all accounts changes only
 *   by fees, deposits and withdrawals, because long and short sizes always sum to zero: that is
 *   the conservation law the venue's checker proves.
 *
 * @module
 */

import { grown, mulDivRound } from "@cascade/core";

/** Bit flags per account. */
export const AccountFlag = {
  /** Isolated margin (otherwise cross). */
  Isolated: 1,
} as const;

/** Account columns of a perpetual venue. Index = account id. */
export class PerpAccounts {
  /** Number of accounts. */
  count = 0;
  /** Σ of positive positions, lots: the open interest, kept current by {@link PerpAccounts.applyTrade}. */
  longLots = 0;
  /** Wallet balance, quote units. */
  wallet: Float64Array;
  /** Margin allocated to an isolated position, quote units (part of `wallet`). */
  isoMargin: Float64Array;
  /** Signed position, lots. */
  size: Float64Array;
  /** Signed entry value of the position, quote units. */
  basis: Float64Array;
  /** Chosen leverage (integer). */
  leverage: Float64Array;
  /** {@link AccountFlag} bits. */
  flags: Uint8Array;
  /** Open buy orders: quantity (lots) and value at their limit prices (quote units). */
  openBuyLots: Float64Array;
  openBuyNotional: Float64Array;
  /** Open sell orders: quantity (lots) and value at their limit prices (quote units). */
  openSellLots: Float64Array;
  openSellNotional: Float64Array;
  /** Lots in live reduce-only orders. */
  reduceOnlyLots: Float64Array;
  /** Current liquidation trigger in ticks, or -1. */
  trigger: Float64Array;
  /** Cumulative realised PnL, fees paid and funding paid, quote units (reporting only). */
  realizedPnl: Float64Array;
  feesPaid: Float64Array;
  fundingPaid: Float64Array;
  /** Funding owed but not yet paid, a fraction of a quote unit (settlement intervals shorter than the rate's). */
  fundingCarry: Float64Array;

  constructor(capacity = 1024) {
    const n = Math.max(16, capacity);
    this.wallet = new Float64Array(n);
    this.isoMargin = new Float64Array(n);
    this.size = new Float64Array(n);
    this.basis = new Float64Array(n);
    this.leverage = new Float64Array(n);
    this.flags = new Uint8Array(n);
    this.openBuyLots = new Float64Array(n);
    this.openBuyNotional = new Float64Array(n);
    this.openSellLots = new Float64Array(n);
    this.openSellNotional = new Float64Array(n);
    this.reduceOnlyLots = new Float64Array(n);
    this.trigger = new Float64Array(n);
    this.realizedPnl = new Float64Array(n);
    this.feesPaid = new Float64Array(n);
    this.fundingPaid = new Float64Array(n);
    this.fundingCarry = new Float64Array(n);
  }

  /** Appends an account; returns its id. */
  open(isolated: boolean, leverage: number): number {
    if (this.count === this.wallet.length) this.grow(this.count * 2);
    const a = this.count++;
    this.flags[a] = isolated ? AccountFlag.Isolated : 0;
    this.leverage[a] = leverage;
    this.trigger[a] = -1;
    return a;
  }

  /** Makes room for at least `n` accounts. */
  reserve(n: number): void {
    if (n > this.wallet.length) this.grow(n);
  }

  /** Whether `a` is an isolated-margin account. */
  isIsolated(a: number): boolean {
    return (this.flags[a]! & AccountFlag.Isolated) !== 0;
  }

  /** Margin backing the position: isolated margin, or the whole wallet for cross. */
  positionMargin(a: number): number {
    return this.isIsolated(a) ? this.isoMargin[a]! : this.wallet[a]!;
  }

  /**
   * Moves `dqLots` (signed: + buys, − sells) into account `a` at total value `notionalUnits` (≥ 0):
   * opens, adds to, reduces, closes or flips the position. Isolated accounts allocate
   * ceil(openedValue / leverage) of margin on opening and release it pro rata on closing.
   * Returns the realised PnL in quote units (already added to the wallet).
   */
  applyTrade(a: number, dqLots: number, notionalUnits: number): number {
    const before = this.size[a]!;
    const realized = this.move(a, dqLots, notionalUnits);
    const after = this.size[a]!;
    this.longLots += Math.max(after, 0) - Math.max(before, 0);
    return realized;
  }

  private move(a: number, dqLots: number, notionalUnits: number): number {
    const pos = this.size[a]!;
    const q = Math.abs(dqLots);
    if (pos === 0 || pos > 0 === dqLots > 0) {
      this.open_(a, dqLots, notionalUnits);
      return 0;
    }
    const absPos = Math.abs(pos);
    const closeQty = Math.min(q, absPos);
    const closeNotional = closeQty === q ? notionalUnits : mulDivRound(notionalUnits, closeQty, q);
    const basis = this.basis[a]!;
    const released = closeQty === absPos ? basis : mulDivRound(basis, closeQty, absPos);
    const sign = pos > 0 ? 1 : -1;
    const realized = sign * closeNotional - released;
    this.wallet[a] = this.wallet[a]! + realized;
    this.realizedPnl[a] = this.realizedPnl[a]! + realized;
    this.basis[a] = basis - released;
    this.size[a] = pos + (dqLots > 0 ? closeQty : -closeQty);
    if (this.isIsolated(a)) {
      const m = this.isoMargin[a]!;
      this.isoMargin[a] = closeQty === absPos ? 0 : m - mulDivRound(m, closeQty, absPos);
    }
    if (closeQty < q) this.open_(a, dqLots > 0 ? q - closeQty : closeQty - q, notionalUnits - closeNotional);
    return realized;
  }

  private open_(a: number, dqLots: number, notionalUnits: number): void {
    this.size[a] = this.size[a]! + dqLots;
    this.basis[a] = this.basis[a]! + (dqLots > 0 ? notionalUnits : -notionalUnits);
    if (this.isIsolated(a)) {
      // Allocate initial margin from the free wallet (never more than is free).
      const want = Math.ceil(notionalUnits / this.leverage[a]!);
      const free = this.wallet[a]! - this.isoMargin[a]!;
      this.isoMargin[a] = this.isoMargin[a]! + Math.max(0, Math.min(want, free));
    }
  }

  private grow(n: number): void {
    this.wallet = grown(this.wallet, n);
    this.isoMargin = grown(this.isoMargin, n);
    this.size = grown(this.size, n);
    this.basis = grown(this.basis, n);
    this.leverage = grown(this.leverage, n);
    this.flags = grown(this.flags, n);
    this.openBuyLots = grown(this.openBuyLots, n);
    this.openBuyNotional = grown(this.openBuyNotional, n);
    this.openSellLots = grown(this.openSellLots, n);
    this.openSellNotional = grown(this.openSellNotional, n);
    this.reduceOnlyLots = grown(this.reduceOnlyLots, n);
    this.trigger = grown(this.trigger, n, -1);
    this.realizedPnl = grown(this.realizedPnl, n);
    this.feesPaid = grown(this.feesPaid, n);
    this.fundingPaid = grown(this.fundingPaid, n);
    this.fundingCarry = grown(this.fundingCarry, n);
  }
}
