/**
 * `@cascade/core`: the vocabulary every cascade package shares — branded integer units, exact
 * instrument conversions, named seeded random streams, numeric result codes and error types.
 *
 * @packageDocumentation
 */

export {
  DoneReason,
  doneReasonName,
  oppositeSide,
  RejectCode,
  rejectCodeName,
  Side,
  sideName,
} from "./codes.ts";
export { type Decimal, divRound, formatScaled, parseDecimal, type Rounding } from "./decimal.ts";
export { CascadeError, ConfigError, InvariantError } from "./errors.ts";
export { BTCUSDT, Instrument, type InstrumentSpec } from "./instrument.ts";
export { ceilDiv, floorDiv, mulDivCeil, mulDivFloor, mulDivRound, PPM } from "./int-math.ts";
export { hash128 } from "./random/hash.ts";
export { deriveSeed, logGamma, RandomStream, RandomStreams, type Seed, streams } from "./random/streams.ts";
export { grown, type NumericArray } from "./typed-arrays.ts";
export {
  formatNanos,
  hours,
  type Lots,
  lots,
  milliseconds,
  minutes,
  type Nanos,
  NS_PER_HOUR,
  NS_PER_MINUTE,
  NS_PER_MS,
  NS_PER_SECOND,
  NS_PER_US,
  nanos,
  type QuoteUnits,
  quoteUnits,
  seconds,
  type Ticks,
  ticks,
} from "./units.ts";
