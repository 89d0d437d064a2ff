/**
 * Validation of {@link OrderBookConfig}, shared by both book implementations so they refuse the
 * same configurations with the same messages.
 *
 * @module
 */

import { ConfigError } from "@cascade/core";
import type { OrderBookConfig } from "./book-api.ts";
import { StpMode } from "./order-types.ts";

/** A configuration with every default filled in. */
export interface ResolvedBookConfig {
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
  readonly maxQtyLots: number;
  readonly maxOwner: number;
  readonly defaultStp: StpMode;
  readonly initialOrderCapacity: number;
}

/** Largest price range the fast book accepts (one level slot per tick: 20 bytes each). */
export const MAX_PRICE_LEVELS = 50_000_000;

/**
 * Checks a book configuration and fills in defaults.
 * @throws {@link @cascade/core!ConfigError} naming the field and value.
 */
export function validateBookConfig(config: OrderBookConfig): ResolvedBookConfig {
  const { minPriceTicks, maxPriceTicks } = config;
  if (!Number.isSafeInteger(minPriceTicks) || minPriceTicks < 0) {
    throw new ConfigError("book.minPriceTicks", minPriceTicks, "must be a non-negative integer");
  }
  if (!Number.isSafeInteger(maxPriceTicks) || maxPriceTicks < minPriceTicks) {
    throw new ConfigError(
      "book.maxPriceTicks",
      maxPriceTicks,
      `must be an integer ≥ minPriceTicks (${minPriceTicks})`,
    );
  }
  if (maxPriceTicks - minPriceTicks + 1 > MAX_PRICE_LEVELS) {
    throw new ConfigError(
      "book.maxPriceTicks",
      maxPriceTicks,
      `spans more than ${MAX_PRICE_LEVELS} price levels; use a coarser tick`,
    );
  }
  const maxQtyLots = config.maxQtyLots ?? 1e12;
  if (!Number.isSafeInteger(maxQtyLots) || maxQtyLots < 1) {
    throw new ConfigError("book.maxQtyLots", maxQtyLots, "must be a positive integer");
  }
  const maxOwner = config.maxOwner ?? 2 ** 24 - 1;
  if (!Number.isInteger(maxOwner) || maxOwner < 0 || maxOwner > 2 ** 31 - 2) {
    throw new ConfigError("book.maxOwner", maxOwner, "must be an integer in [0, 2^31 − 2]");
  }
  const defaultStp = config.defaultStp ?? StpMode.None;
  if (!Object.values(StpMode).includes(defaultStp)) {
    throw new ConfigError("book.defaultStp", defaultStp, "must be one of StpMode (0–3)");
  }
  const initialOrderCapacity = config.initialOrderCapacity ?? 4096;
  if (!Number.isInteger(initialOrderCapacity) || initialOrderCapacity < 1) {
    throw new ConfigError("book.initialOrderCapacity", initialOrderCapacity, "must be a positive integer");
  }
  return { minPriceTicks, maxPriceTicks, maxQtyLots, maxOwner, defaultStp, initialOrderCapacity };
}
