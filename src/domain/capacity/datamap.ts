import type { TableEntry } from "../datamap.ts";

/** The capacity module's tables in the data map (src/domain/datamap.ts merges them; its catalogue test covers them). */
export const capacityDataMap: TableEntry[] = [];
