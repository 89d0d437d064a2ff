/**
 * Numeric codes shared by every package. Hot paths return these instead of throwing, so a bad
 * order costs a comparison, not an exception. Each table has a `…Name` lookup for logs and files.
 *
 * @module
 */

/** Order side. Numeric so it fits in typed-array columns. */
export const Side = {
  /** Buy (bid). */
  Buy: 0,
  /** Sell (ask). */
  Sell: 1,
} as const;
/** `0` = buy, `1` = sell. */
export type Side = (typeof Side)[keyof typeof Side];

/** The opposite side. */
export function oppositeSide(side: Side): Side {
  return (1 - side) as Side;
}

/** `"buy"` or `"sell"`. */
export function sideName(side: Side): "buy" | "sell" {
  return side === Side.Buy ? "buy" : "sell";
}

/**
 * Why a command was refused. A rejected command changes nothing.
 * Codes 1–19 come from the matching engine, 20–39 from the exchange, 40+ from the simulation.
 */
export const RejectCode = {
  /** Not a rejection: the command was accepted. */
  None: 0,
  /** Order id is not a non-negative safe integer. */
  InvalidOrderId: 1,
  /** An order with this id is live in the book. */
  DuplicateOrderId: 2,
  /** No live order has this id. */
  UnknownOrder: 3,
  /** Quantity is zero, negative, not an integer or above the maximum. */
  InvalidQuantity: 4,
  /** Price is not an integer number of ticks (off the price grid). */
  InvalidPrice: 5,
  /** Price is outside the book's configured range. */
  PriceOutOfRange: 6,
  /** Side is neither buy (0) nor sell (1). */
  InvalidSide: 7,
  /** Owner (account) id is not a non-negative 31-bit integer. */
  InvalidOwner: 8,
  /** A post-only order would have taken liquidity. */
  PostOnlyWouldTake: 9,
  /** Unknown order type or time-in-force. */
  InvalidOrderType: 10,
  /** Unknown self-trade prevention mode. */
  InvalidStpMode: 11,
  /** A reduce-quantity command did not lower the remaining quantity. */
  QuantityNotReduced: 12,
  /** The account does not exist. */
  UnknownAccount: 20,
  /** Not enough margin (or free collateral) for the order. */
  InsufficientMargin: 21,
  /** A reduce-only order would increase or flip the position. */
  ReduceOnlyWouldIncrease: 22,
  /** Requested leverage is above the instrument's cap or the tier table's maximum. */
  LeverageExceedsCap: 23,
  /** Trading is halted (circuit breaker). */
  MarketHalted: 24,
  /** The account is being liquidated and may not trade. */
  AccountInLiquidation: 25,
  /** Not enough cash or asset in a spot account. */
  InsufficientBalance: 26,
  /** An amount (deposit, withdrawal, margin transfer) is not a positive safe integer. */
  InvalidAmount: 27,
  /** A position's notional would exceed the largest maintenance-margin tier. */
  PositionLimitExceeded: 28,
  /**
   * The command would take a sum the venue keeps exact (a wallet, net deposits, open interest plus
   * resting orders valued at the top of the price range) past its bound, which keeps every money
   * sum below 2^53 (the perpetual venue's `MONEY_LIMIT_UNITS`).
   */
  MoneyLimitExceeded: 29,
  /** The venue is not known to the simulation. */
  UnknownVenue: 40,
} as const;
/** One of the {@link RejectCode} values. */
export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

const rejectNames = invert(RejectCode);

/** The name of a reject code, e.g. `"InsufficientMargin"`; `"Unknown(n)"` for an unknown number. */
export function rejectCodeName(code: number): string {
  return rejectNames.get(code) ?? `Unknown(${code})`;
}

/** Why an order left the book (or never rested). */
export const DoneReason = {
  /** Completely filled. */
  Filled: 0,
  /** Cancelled by its owner (or by the venue on the owner's behalf, e.g. in liquidation). */
  Canceled: 1,
  /** IOC or market remainder that could not be filled at once. */
  Expired: 2,
  /** Fill-or-kill that could not be filled completely; nothing traded. */
  Killed: 3,
  /** Removed by self-trade prevention. */
  SelfTrade: 4,
} as const;
/** One of the {@link DoneReason} values. */
export type DoneReason = (typeof DoneReason)[keyof typeof DoneReason];

const doneNames = invert(DoneReason);

/** The name of a done reason, e.g. `"Filled"`. */
export function doneReasonName(reason: number): string {
  return doneNames.get(reason) ?? `Unknown(${reason})`;
}

function invert(table: Record<string, number>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) m.set(v, k);
  return m;
}
