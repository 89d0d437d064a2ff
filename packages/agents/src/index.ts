/**
 * `@cascade/agents`: the traders of a cascade world — a retail population of leveraged longs held
 * as columns (up to 10^6 accounts), Avellaneda–Stoikov market makers, perp–spot arbitrageurs,
 * background noise/fundamentalist/chartist traders, and exogenous shocks.
 *
 * @packageDocumentation
 */

export {};
