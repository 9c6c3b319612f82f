import type { TableEntry } from "../datamap.ts";
import { exportsDataMap } from "./export-datamap.ts";
import { requestsDataMap } from "./request-datamap.ts";
import { workspacePurgeDataMap } from "./workspace-purge-datamap.ts";

/** The privacy module's tables in the data map (src/domain/datamap.ts merges them; its catalogue test covers them). */
export const privacyDataMap: TableEntry[] = [...exportsDataMap, ...requestsDataMap, ...workspacePurgeDataMap];
