import { sql, type RawBuilder } from "kysely";
import type { DB } from "../db.ts";

// Streams a JSON export document out of Postgres and back into Postgres, a page of rows at a time: each table is
// read by keyset over its primary key (1,000 rows a page, fewer when they carry files), each row is serialised to
// JSON by Postgres itself, and the text is cut into ~1 MB chunks inserted as it grows. Nothing holds a table, or
// the file, in memory, so a million rows export in flat memory (bench/privacy.ts).

export const EXPORT_FORMAT = "steward-export";
/** Bump on any change a reader could notice (docs/export-format.md, "Versions"). */
export const EXPORT_VERSION = 1;

const PAGE_ROWS = 1000;
/** Pages of rows that carry bytea (attachments) stop at about this many raw bytes. */
const PAGE_FILE_BYTES = 4 * 1024 * 1024;
/** Flush to a chunk row past this many characters (~1 MB of mostly ASCII JSON). */
export const CHUNK_CHARS = 1024 * 1024;
// JavaScriptCore collects lazily: without a nudge the garbage of a million-row export (page results, JSON strings)
// lifts RSS well past the budget before it is reclaimed. A full collection every 4 chunks (~4 MB of file) keeps the
// peak near 160 MB for 200,000 rows (every 8: ~180 MB; never: ~240 MB), for ~7% more time (bench/privacy.ts).
const GC_EVERY_CHUNKS = 4;

/** Who the transaction acts for: the pinned workspace (RLS) and/or the acting user (their personal export rows). */
export interface Pin {
  tenantId: string | null;
  userId: string | null;
}

/** Runs fn in a transaction with the workspace and user pinned, and UTC timestamps in the JSON. */
export async function pinned<T>(db: DB, pin: Pin, fn: (trx: DB) => Promise<T>): Promise<T> {
  const apply = (trx: DB) =>
    sql`select set_config('app.tenant_id', ${pin.tenantId ?? ""}, true), set_config('app.user_id', ${pin.userId ?? ""}, true), set_config('TimeZone', 'UTC', true)`.execute(trx);
  if (db.isTransaction) {
    await apply(db);
    return fn(db);
  }
  return db.transaction().execute(async (trx) => {
    await apply(trx);
    return fn(trx);
  });
}

// ---- The catalogue: columns, their types and the primary key of every table ----

export interface Column {
  name: string;
  /** format_type(): "uuid", "text[]", "timestamp with time zone", "bytea", … */
  type: string;
  nullable: boolean;
  /** Position in the primary key (1-based), or null. */
  pk: number | null;
}

let catalogue: Map<string, Column[]> | null = null;

/** Every public table's columns in order; read once per process (the schema changes only with a migration). */
export async function columnsOf(db: DB, table: string): Promise<Column[]> {
  if (!catalogue) {
    const rows = await sql<{ table: string; name: string; type: string; nullable: boolean; pk: number | null }>`
      select c.relname as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
        array_position(i.indkey::int2[], a.attnum)::int as pk
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_index i on i.indrelid = c.oid and i.indisprimary
      where c.relkind in ('r', 'p')
      order by c.relname, a.attnum`.execute(db);
    const map = new Map<string, Column[]>();
    for (const r of rows.rows) map.set(r.table, [...(map.get(r.table) ?? []), { name: r.name, type: r.type, nullable: r.nullable, pk: r.pk }]);
    catalogue = map;
  }
  const cols = catalogue.get(table);
  if (!cols) throw new Error(`export: no table ${table} in the database`);
  return cols;
}

/** The data map's column list ("*": every column) checked against the table. */
export async function resolveColumns(db: DB, table: string, wanted: string[]): Promise<Column[]> {
  const cols = await columnsOf(db, table);
  if (wanted.includes("*")) return cols;
  return wanted.map((name) => {
    const col = cols.find((c) => c.name === name);
    if (!col) throw new Error(`export: ${table}.${name} is in the data map but not in the table`);
    return col;
  });
}

// ---- Sources: one query's worth of rows for one table ----

export interface Source {
  table: string;
  columns: Column[];
  /** The owner reads platform tables the app role may not (the outbox) and account-level audit rows. */
  pool: "app" | "owner";
  pin: Pin;
  /** The rows, as a predicate over alias `t`. */
  where: RawBuilder<unknown>;
  /**
   * Key columns the predicate pins to one value (the tenant column). Paging leaves them out of the keyset: with
   * `tenant_id = $1 and (tenant_id, id) > (…)` Postgres starts the index scan at the tenant's first row and
   * filters its way to the page (quadratic over a large table); `tenant_id = $1 and id > …` starts at the page.
   */
  fixed?: string[];
}

export interface Pools {
  app: DB;
  owner: DB;
}

const poolOf = (pools: Pools, s: Source) => (s.pool === "owner" ? pools.owner : pools.app);
const ref = (col: string) => sql.ref(`t.${col}`);

/** How rows that match a source are counted: the progress bar's total. */
export async function countRows(pools: Pools, s: Source): Promise<number> {
  return pinned(poolOf(pools, s), s.pin, async (trx) => {
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(s.table)} t where ${s.where}`.execute(trx);
    return r.rows[0]!.n;
  });
}

interface Page {
  json: string[];
  /** The last row's primary key, as text, for the next page. */
  last: string[] | null;
}

function afterKey(pk: Column[], after: string[] | null, op: ">" | "<=") {
  if (!after || !pk.length) return sql`true`;
  const left = sql.join(pk.map((c) => ref(c.name)));
  const right = sql.join(pk.map((c, i) => sql`cast(${after[i]} as ${sql.raw(c.type)})`));
  return sql`(${left}) ${sql.raw(op)} (${right})`;
}

async function readPage(trx: DB, s: Source, pk: Column[], after: string[] | null): Promise<Page> {
  const keys = pk.length ? sql`${sql.join(pk.map((c, i) => sql`${ref(c.name)}::text as ${sql.id(`k${i}`)}`))},` : sql``;
  const order = pk.length ? sql`order by ${sql.join(pk.map((c) => ref(c.name)))}` : sql``;
  let limit = PAGE_ROWS;
  let upTo = sql`true`;
  const files = s.columns.filter((c) => c.type === "bytea");
  if (files.length) {
    // Sizes first (octet_length reads the TOAST header, not the data), then as many rows as fit the byte budget.
    const size = sql.join(files.map((c) => sql`coalesce(octet_length(${ref(c.name)}), 0)`), sql` + `);
    const sized = await sql<Record<string, string> & { n: string }>`
      select ${keys} (${size})::bigint as n from ${sql.table(s.table)} t where ${s.where} and ${afterKey(pk, after, ">")} ${order} limit ${PAGE_ROWS}`.execute(trx);
    if (!sized.rows.length) return { json: [], last: null };
    let total = 0;
    let take = 0;
    for (const r of sized.rows) {
      total += Number(r.n);
      if (take > 0 && total > PAGE_FILE_BYTES) break;
      take++;
    }
    limit = take;
    upTo = afterKey(pk, pk.map((_, i) => sized.rows[take - 1]![`k${i}`]!), "<=");
  }
  const exprs = sql.join(
    s.columns.map((c) => (c.type === "bytea" ? sql`translate(encode(${ref(c.name)}, 'base64'), E'\\n', '') as ${sql.id(c.name)}` : sql`${ref(c.name)} as ${sql.id(c.name)}`)),
  );
  const r = await sql<Record<string, string> & { j: string }>`
    select ${keys} to_json(x)::text as j
    from ${sql.table(s.table)} t cross join lateral (select ${exprs}) x
    where ${s.where} and ${afterKey(pk, after, ">")} and ${upTo}
    ${order} limit ${limit}`.execute(trx);
  const rows = r.rows;
  const tail = rows[rows.length - 1];
  return { json: rows.map((row) => row.j), last: tail ? pk.map((_, i) => tail[`k${i}`]!) : null };
}

/** Every row of a source as JSON text, a page at a time, each page in its own short transaction. */
export async function* sourceRows(pools: Pools, s: Source): AsyncGenerator<string[]> {
  const key = (await columnsOf(pools.app, s.table)).filter((c) => c.pk !== null).sort((a, b) => a.pk! - b.pk!);
  if (!key.length) throw new Error(`export: ${s.table} has no primary key to page by`);
  const pk = key.filter((c) => !s.fixed?.includes(c.name));
  let after: string[] | null = null;
  for (;;) {
    const page: Page = await pinned(poolOf(pools, s), s.pin, (trx) => readPage(trx, s, pk, after));
    if (page.json.length) yield page.json;
    // With the whole key pinned there is at most one row.
    if (!page.last || page.json.length === 0 || !pk.length) return;
    after = page.last;
  }
}

// ---- The file: JSON text cut into chunks ----

export type FlushChunk = (seq: number, data: Uint8Array, rowsDone: number) => Promise<void>;

const encoder = new TextEncoder();

export class ChunkWriter {
  private parts: string[] = [];
  private pending = 0;
  private seq = 0;
  bytes = 0;
  rows = 0;
  constructor(private readonly flushChunk: FlushChunk) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.pending += text.length;
    if (this.pending >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.parts.length) return;
    const data = encoder.encode(this.parts.join(""));
    this.parts = [];
    this.pending = 0;
    await this.flushChunk(this.seq++, data, this.rows);
    this.bytes += data.byteLength;
    if (this.seq % GC_EVERY_CHUNKS === 0) Bun.gc(true);
  }
}

export interface DocumentHeader {
  kind: string;
  generated_at: Date;
  subject: Record<string, unknown>;
}

/** Writes the whole document (docs/export-format.md): header, then every table in order, its sources' rows concatenated. */
export async function writeDocument(w: ChunkWriter, pools: Pools, header: DocumentHeader, tables: { table: string; sources: Source[] }[]): Promise<void> {
  const head = { format: EXPORT_FORMAT, version: EXPORT_VERSION, kind: header.kind, generated_at: header.generated_at.toISOString(), subject: header.subject };
  await w.write(`${JSON.stringify(head).slice(0, -1)},"tables":{`);
  let firstTable = true;
  for (const { table, sources } of tables) {
    await w.write(`${firstTable ? "" : ","}\n${JSON.stringify(table)}:[`);
    firstTable = false;
    let firstRow = true;
    for (const s of sources) {
      for await (const rows of sourceRows(pools, s)) {
        await w.write(`${firstRow ? "\n" : ",\n"}${rows.join(",\n")}`);
        firstRow = false;
        w.rows += rows.length;
      }
    }
    await w.write(firstRow ? "]" : "\n]");
  }
  await w.write("\n}}\n");
  await w.flush();
}
