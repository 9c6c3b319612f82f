import { z } from "zod";
import { EXPORT_FORMAT, EXPORT_VERSION } from "./export-writer.ts";

// The export document's shape (docs/export-format.md), as a schema a reader (or a test) can check a file against.

const Row = z.record(z.string(), z.unknown());

export const ExportDocument = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  kind: z.enum(["personal", "workspace", "person"]),
  generated_at: z.iso.datetime(),
  subject: z.record(z.string(), z.unknown()),
  tables: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.array(Row)),
});

export type ExportDocument = z.output<typeof ExportDocument>;
