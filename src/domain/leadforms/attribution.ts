import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { spreadsheetSafe } from "../crm/exports.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { CURRENCIES, minorToMajor, type Currency } from "../crm/money.ts";
import { Invalid, type FieldErrors } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";

// The attribution report (issue 8, item 7): leads created in a date range, grouped by source, medium and campaign,
// with how many were converted and the amounts of the won deals they became, per currency (amounts in different
// currencies are never added together). Source is the lead's utm_source, or its own source when it has none (a
// lead typed in by hand, "Referral"), so every lead lands in a row.

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const realDay = (v: string) => DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
/** The longest range one report covers: a bounded scan whatever is asked. */
export const MAX_RANGE_DAYS = 3 * 366;
/** Rows past this many groups are summed into one "everything else" row, so a page stays light. */
export const MAX_GROUPS = 500;

export interface AttributionRow {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  leads: number;
  converted: number;
  wonDeals: number;
  /** Won amounts by currency, minor units as strings (postgres numeric). */
  won: Partial<Record<Currency, string>>;
}

export interface AttributionReport {
  from: string;
  to: string;
  rows: AttributionRow[];
  /** The currencies that appear, in the fixed currency order: the report's money columns. */
  currencies: Currency[];
  totals: AttributionRow;
  truncated: boolean;
}

const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** The range from the query: default the last 30 days to today; both ends inclusive. */
export function parseRange(values: Record<string, string | undefined>, now: Date): { from: string; to: string } {
  const errors: FieldErrors = {};
  const to = (values.to ?? "").trim() || ymd(now);
  const end = realDay(to) ? Date.parse(`${to}T00:00:00Z`) : now.getTime();
  const from = (values.from ?? "").trim() || ymd(new Date(end - 29 * 86_400_000));
  if (!realDay(from)) errors.from = "Enter a real date as YYYY-MM-DD.";
  if (!realDay(to)) errors.to = "Enter a real date as YYYY-MM-DD.";
  if (!errors.from && !errors.to) {
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    if (days < 0) errors.to = "The end date is before the start date.";
    else if (days > MAX_RANGE_DAYS) errors.from = `Choose a range of at most ${MAX_RANGE_DAYS} days.`;
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { from, to };
}

export async function attributionReport(ctx: Ctx, values: Record<string, string | undefined>): Promise<AttributionReport> {
  authorize(ctx, "records.view");
  const { from, to } = parseRange(values, ctx.now);
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000);
  const rows = await inTransaction(ctx, async (tx) => {
    const r = await sql<{ source: string | null; medium: string | null; campaign: string | null; leads: number; converted: number; currency: string | null; won_deals: number; won_minor: string | null }>`
      with l as (
        select coalesce(l.utm_source, l.source) as source, l.utm_medium as medium, l.utm_campaign as campaign,
               l.converted_at, d.currency, case when d.status = 'won' then d.amount_minor end as won_minor
        from leads l
        left join deals d on d.tenant_id = l.tenant_id and d.id = l.converted_deal_id
        where l.tenant_id = ${tx.tenantId} and l.created_at >= ${start} and l.created_at < ${end}
      ), groups as (
        select source, medium, campaign, count(*)::int as leads, count(converted_at)::int as converted
        from l group by 1, 2, 3
      ), won as (
        select source, medium, campaign, currency, count(*)::int as won_deals, sum(won_minor)::text as won_minor
        from l where won_minor is not null group by 1, 2, 3, 4
      )
      select g.source, g.medium, g.campaign, g.leads, g.converted, w.currency, coalesce(w.won_deals, 0) as won_deals, w.won_minor
      from groups g left join won w
        on w.source is not distinct from g.source and w.medium is not distinct from g.medium and w.campaign is not distinct from g.campaign
      order by g.leads desc, g.source nulls last, g.medium nulls last, g.campaign nulls last`.execute(tx.db);
    return r.rows;
  });
  const byKey = new Map<string, AttributionRow>();
  for (const r of rows) {
    const key = JSON.stringify([r.source, r.medium, r.campaign]);
    let row = byKey.get(key);
    if (!row) byKey.set(key, (row = { source: r.source, medium: r.medium, campaign: r.campaign, leads: r.leads, converted: r.converted, wonDeals: 0, won: {} }));
    if (r.currency && r.won_minor) {
      row.won[r.currency.trim() as Currency] = r.won_minor;
      row.wonDeals += r.won_deals;
    }
  }
  let all = [...byKey.values()];
  const truncated = all.length > MAX_GROUPS;
  if (truncated) all = [...all.slice(0, MAX_GROUPS - 1), sumRows(all.slice(MAX_GROUPS - 1), "(everything else)")];
  const seen = new Set(all.flatMap((r) => Object.keys(r.won)));
  return { from, to, rows: all, currencies: CURRENCIES.filter((c) => seen.has(c)), totals: sumRows(all, null), truncated };
}

function sumRows(rows: AttributionRow[], label: string | null): AttributionRow {
  const out: AttributionRow = { source: label, medium: null, campaign: null, leads: 0, converted: 0, wonDeals: 0, won: {} };
  for (const r of rows) {
    out.leads += r.leads;
    out.converted += r.converted;
    out.wonDeals += r.wonDeals;
    for (const [c, v] of Object.entries(r.won) as [Currency, string][]) out.won[c] = (BigInt(out.won[c] ?? "0") + BigInt(v)).toString();
  }
  return out;
}

/** The report as CSV: one line per group, a won-amount column per currency (major units, e.g. 1200.50). */
export function attributionCsv(report: AttributionReport): string {
  const head = ["source", "medium", "campaign", "leads", "converted_leads", "conversion_rate", "won_deals", ...report.currencies.map((c) => `won_amount_${c}`)];
  const line = (r: AttributionRow) => [
    spreadsheetSafe(r.source ?? ""),
    spreadsheetSafe(r.medium ?? ""),
    spreadsheetSafe(r.campaign ?? ""),
    String(r.leads),
    String(r.converted),
    r.leads ? (r.converted / r.leads).toFixed(4) : "0",
    String(r.wonDeals),
    ...report.currencies.map((c) => (r.won[c] ? minorToMajor(r.won[c]!, c) : "0")),
  ];
  return stringify([head, ...report.rows.map(line)], { bom: true });
}

/** The CSV download of a report, audited like every export (P10). */
export async function exportAttribution(ctx: Ctx, values: Record<string, string | undefined>): Promise<{ csv: string; from: string; to: string }> {
  const report = await attributionReport(ctx, values);
  await inTransaction(ctx, (tx) => audit(tx, "attribution.exported", null, { from: report.from, to: report.to, rows: report.rows.length }));
  return { csv: attributionCsv(report), from: report.from, to: report.to };
}
