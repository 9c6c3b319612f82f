import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import type { SeedCounts } from "./seed.ts";

// The demo records themselves, apart from the account and workspace they go into (seed.ts): lists, PRNG, inserts.

const words = (s: string) => s.split(",").map((w) => w.trim());
export const FIRST_NAMES = words("Anna,Ben,Carla,David,Elena,Felix,Grace,Hannah,Ivan,Julia,Karim,Laura,Marco,Nina,Omar,Paula,Quentin,Rosa,Samir,Tara,Ugo,Vera,Wei,Xenia,Yusuf,Zoë,Aisha,Bruno,Chloé,Diego,Emma,Farah,Georg,Hugo,Inès,Jonas,Kenji,Lena,Mateo,Noor,Olivia,Pedro,Rania,Sofia,Tomás,Uma,Victor,Yara,Liam,Mia,Noah,Amara,Arjun,Priya,Lucas,Maya,Oscar,Leila,Erik,Ingrid,Sven,Astrid,Mei,Hiro,Sakura,Kofi,Ama,Tunde,Zanele,Mohammed,Fatima,Jan,Eva,Pierre,Claire,Luca,Giulia,Seán,Niamh,Björn");
export const LAST_NAMES = words("Schmidt,Müller,Rossi,García,Martin,Dubois,Nguyen,Kowalski,Jensen,Silva,Costa,Novak,Horvat,Popescu,Ivanova,Smith,Jones,Brown,Taylor,Wilson,Davies,Evans,Murphy,Kelly,Walsh,O'Brien,Fischer,Weber,Wagner,Becker,Hoffmann,Moreau,Laurent,Bernard,Leroy,Ferrari,Russo,Bianchi,Romano,Fernández,López,Martínez,Sánchez,Pérez,Gómez,Santos,Oliveira,Pereira,Andersson,Johansson,Nielsen,Hansen,Larsen,Berg,Virtanen,Korhonen,de Vries,Jansen,Bakker,Visser,Peeters,Janssens,Kim,Lee,Park,Chen,Wang,Tanaka,Sato,Suzuki,Patel,Shah,Singh,Khan,Ahmed,Hassan,Okafor,Mensah,Adeyemi,Cohen,Levi");
export const COMPANY_WORDS = words("Northwind,Blue Harbor,Summit,Silver Oak,Granite,Bright,Cedar,Maple,Atlas,Nova,Apex,Pioneer,Evergreen,Sterling,Red Falcon,Lakeside,Riverside,Golden,Iron,Crystal,Polar,Coastal,Alpine,Urban,Prairie,Orbit,Vertex,Horizon,Beacon,Crescent,Meridian,Willow,Aurora,Zenith,Cobalt,Ember,Quartz,Sage,Tidal,Vantage,Keystone,Lumen,Copper,Linden,Fjord,Juniper,Harbour Light,Oakridge,Westgate,Kestrel");
const TRADES = words("Logistics,Foods,Analytics,Robotics,Health,Energy,Systems,Labs,Works,Media,Partners,Solutions,Consulting,Bakery,Dental,Motors,Textiles,Software,Capital,Insurance,Travel,Studios,Architects,Construction,Pharma,Outdoor,Retail,Telecom,Farms,Brewing,Security,Finance,Optics,Marine,Print,Furniture,Clinics,Legal,Hotels,Cycles");
const CITIES = words("Berlin,Lyon,Porto,Leeds,Gdańsk,Turin,Ghent,Malmö,Tampere,Utrecht,Cork,Graz,Brno,Bilbao,Aarhus,Lille,Basel,Bristol");
const STREETS = words("High Street,Market Square,Station Road,Harbour Lane,Mill Street,Church Road,Park Avenue,Bridge Street,King's Road,Garden Row");
const INDUSTRIES = words("Software,Manufacturing,Retail,Healthcare,Finance,Logistics,Construction,Hospitality,Education,Energy,Media,Professional services");
const SIZES = words("1-10,11-50,11-50,51-200,51-200,201-1000,1001-5000,5000+");
const TITLES = words("CEO,CFO,CTO,Founder,Head of Sales,Sales Manager,Account Executive,Office Manager,Operations Director,Procurement Lead,Marketing Manager,Product Manager,IT Manager,HR Director,Buyer,Finance Manager");
const PRODUCTS = words("annual licence,50 seats,pilot project,renewal,support contract,onboarding package,expansion,hardware order,consulting retainer,training days");
const MAIL_HOSTS = words("mail.example,post.example,inbox.example,webmail.example");
const PHONES = words("+44 20 7946 ####,+49 30 ########,+33 1 ## ## ## ##,+1 555 ### ####,+31 20 ### ####,+34 91 ### ## ##");
const LEAD_SOURCES = words("Website,Referral,Trade show,LinkedIn,Google Ads,Webinar,Cold call");
const LEAD_STATUSES = words("new,new,new,new,contacted,contacted,contacted,qualified,qualified,disqualified");
const UTM = { source: words("google,linkedin,newsletter,partner"), medium: words("cpc,social,email,referral"), campaign: words("spring-launch,webinar-q3,black-friday,brand") };
const CURRENCIES = words("EUR,EUR,EUR,EUR,EUR,EUR,USD,USD,USD,USD,GBP,GBP,GBP,CHF");
const OUTCOMES = { call: words("Connected,Left voicemail,No answer,Follow-up booked"), meeting: words("Demo given,Proposal discussed,Next steps agreed"), email: words("Sent,Replied") };
const BODIES = words("Talked through pricing and the rollout plan.,Asked for a revised quote with volume discount.,Introduced the new account manager.,Walked through the integration options.,Agreed to revisit after their budget review.,Shared the case study they asked for.,Confirmed the decision makers and timeline.,Sent the contract draft for legal review.");
const NOTES = words("Prefers email over calls.,Budget is approved for next quarter.\nDecision in about six weeks.,Met at the trade show; interested in the premium plan.,Contract terms: https://example.com/terms,Follow up after the summer holidays.");
const TASKS = words("Call back about pricing,Send proposal,Prepare demo,Follow up on contract,Check references,Schedule onboarding");

/** mulberry32: small, fast and good enough to make demo data repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUIDv7 for a given time with PRNG bits: ids sort like created_at and repeat from run to run. */
function uuidv7(ms: number, rand: () => number): string {
  const h = Math.floor(ms).toString(16).padStart(12, "0");
  const r = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
  return `${h.slice(0, 8)}-${h.slice(8)}-7${r(3)}-${"89ab"[Math.floor(rand() * 4)]}${r(3)}-${r(12)}`;
}

/** Letters and digits without accents, for email local parts and domains: "Müller" → "muller". */
const ascii = (s: string) => s.normalize("NFD").replace(/[^A-Za-z0-9]/g, "").toLowerCase();
const hash32 = (s: string) => [...s].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0, 2166136261);
const pgArray = (a: string[]) => `{${a.map((v) => `"${v.replace(/[\\"]/g, "\\$&")}"`).join(",")}}`;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const date = (ms: number) => iso(ms).slice(0, 10);

/** Column name and Postgres type; a `text[]` column takes array literals (pgArray). */
type Columns = [string, string][];
interface Batch { table: string; columns: Columns; count: number; row: (i: number) => unknown[] }
const ROWS_PER_STATEMENT = 2000;

/**
 * Inserts `count` generated rows, 2,000 per statement: one array parameter per column, spread back into rows by
 * unnest. One round trip and one plan per 2,000 rows instead of per row.
 */
async function insertAll(tx: Ctx, b: Batch, log: (m: string) => void): Promise<void> {
  const t0 = performance.now();
  const names = sql.raw(["tenant_id", ...b.columns.map(([n]) => n)].join(", "));
  const picks = sql.raw(b.columns.map(([, type], i) => (type === "text[]" ? `c${i}::text[]` : `c${i}`)).join(", "));
  const aliases = sql.raw(b.columns.map((_, i) => `c${i}`).join(", "));
  for (let start = 0; start < b.count; start += ROWS_PER_STATEMENT) {
    const cols: unknown[][] = b.columns.map(() => []);
    for (let i = start; i < Math.min(b.count, start + ROWS_PER_STATEMENT); i++) b.row(i).forEach((v, c) => cols[c]!.push(v));
    const arrays = sql.join(cols.map((values, i) => sql`${values}::${sql.raw(b.columns[i]![1] === "text[]" ? "text" : b.columns[i]![1])}[]`));
    await sql`insert into ${sql.table(b.table)} (${names}) select ${tx.tenantId}::uuid, ${picks} from unnest(${arrays}) as u(${aliases})`.execute(tx.db);
  }
  log(`${b.table}: ${b.count.toLocaleString("en-US")} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

interface FillInput {
  counts: SeedCounts;
  userId: string;
  pipelineId: string;
  stages: { id: string; probability: number }[];
  log: (m: string) => void;
}

/** Generates and inserts every record, in dependency order, from one PRNG (data) and one per workspace (ids). */
export async function fill(tx: Ctx, { counts: n, userId, pipelineId, stages, log }: FillInput): Promise<void> {
  const rand = prng(20250601);
  const idRand = prng(hash32(tx.tenantId!));
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const between = (a: number, b: number) => a + rand() * (b - a);
  const digits = (pattern: string) => pattern.replace(/#/g, () => String(Math.floor(rand() * 10)));
  const now = tx.now.getTime();
  const start = now - 730 * DAY;
  // Creation times rise with the index (plus jitter), so UUIDv7 ids arrive roughly in order.
  const createdAt = (i: number, count: number) => start + ((i + rand()) / count) * (now - start - DAY);
  const taken = new Map<string, number>();
  const uniqueLocal = (base: string) => {
    const k = (taken.get(base) ?? 0) + 1;
    taken.set(base, k);
    return k === 1 ? base : `${base}${k}`;
  };

  const company = { id: [] as string[], name: [] as string[], domain: [] as string[], created: [] as number[] };
  const usedNames = new Set<string>();
  for (let i = 0; i < n.companies; i++) {
    let name = `${pick(COMPANY_WORDS)} ${pick(TRADES)}`;
    for (let tries = 0; usedNames.has(name); tries++) name = tries < 5 ? `${pick(COMPANY_WORDS)} ${pick(TRADES)} ${pick(CITIES)}` : `${name} ${tries}`;
    usedNames.add(name);
    const created = createdAt(i, n.companies);
    company.id.push(uuidv7(created, idRand));
    company.name.push(name);
    company.domain.push(`${name.split(" ").map(ascii).join("-")}.example`);
    company.created.push(created);
  }
  await insertAll(tx, {
    table: "companies",
    columns: [["id", "uuid"], ["name", "text"], ["domain", "text"], ["industry", "text"], ["size", "text"], ["address", "text"], ["owner_id", "uuid"], ["created_by", "uuid"], ["created_at", "timestamptz"], ["updated_at", "timestamptz"]],
    count: n.companies,
    row: (i) => [company.id[i], company.name[i], company.domain[i], pick(INDUSTRIES), pick(SIZES), `${1 + Math.floor(rand() * 200)} ${pick(STREETS)}, ${pick(CITIES)}`,
      rand() < 0.9 ? userId : null, userId, iso(company.created[i]!), iso(company.created[i]!)],
  }, log);

  const contact = { id: [] as string[], name: [] as string[], company: [] as number[], created: [] as number[] };
  await insertAll(tx, {
    table: "contacts",
    columns: [["id", "uuid"], ["first_name", "text"], ["last_name", "text"], ["emails", "text[]"], ["phones", "text[]"], ["title", "text"], ["company_id", "uuid"], ["owner_id", "uuid"], ["created_by", "uuid"], ["created_at", "timestamptz"], ["updated_at", "timestamptz"]],
    count: n.contacts,
    row: (i) => {
      const [first, last] = [pick(FIRST_NAMES), pick(LAST_NAMES)];
      const c = n.companies && rand() < 0.85 ? Math.floor(rand() * n.companies) : -1;
      const created = Math.max(createdAt(i, n.contacts), c >= 0 ? company.created[c]! : 0);
      const local = uniqueLocal(`${ascii(first)}.${ascii(last)}`);
      const emails = c >= 0 ? [`${local}@${company.domain[c]}`] : [`${local}@${pick(MAIL_HOSTS)}`];
      if (rand() < 0.1) emails.push(`${uniqueLocal(`${ascii(first)}${ascii(last)}`)}@${pick(MAIL_HOSTS)}`);
      const phones = rand() < 0.8 ? [digits(pick(PHONES))] : [];
      if (rand() < 0.15) phones.push(digits(pick(PHONES)));
      contact.id.push(uuidv7(created, idRand));
      contact.name.push(`${first} ${last}`);
      contact.company.push(c);
      contact.created.push(created);
      return [contact.id[i], first, last, pgArray(emails), pgArray(phones), rand() < 0.85 ? pick(TITLES) : null, c >= 0 ? company.id[c] : null,
        rand() < 0.9 ? userId : null, userId, iso(created), iso(created)];
    },
  }, log);

  const deal = { id: [] as string[], created: [] as number[], contact: [] as number[] };
  await insertAll(tx, {
    table: "deals",
    columns: [["id", "uuid"], ["title", "text"], ["amount_minor", "bigint"], ["currency", "text"], ["pipeline_id", "uuid"], ["stage_id", "uuid"], ["expected_close_date", "date"], ["probability", "int4"],
      ["company_id", "uuid"], ["owner_id", "uuid"], ["status", "text"], ["closed_at", "timestamptz"], ["close_reason", "text"], ["position", "float8"], ["created_by", "uuid"], ["created_at", "timestamptz"], ["updated_at", "timestamptz"]],
    count: n.deals,
    row: (i) => {
      const k = Math.floor(rand() * n.contacts);
      const c = contact.company[k]!;
      const created = Math.max(createdAt(i, n.deals), contact.created[k]!);
      const roll = rand();
      const status = roll < 0.75 ? "open" : roll < 0.9 ? "won" : "lost";
      const stage = status === "won" ? stages.at(-1)! : pick(stages);
      const closed = status === "open" ? null : between(created, now);
      const amount = Math.round(Math.exp(between(Math.log(1000), Math.log(250_000))) / 100) * 100 * 100;
      deal.id.push(uuidv7(created, idRand));
      deal.created.push(created);
      deal.contact.push(k);
      return [deal.id[i], `${c >= 0 ? company.name[c] : contact.name[k]} – ${pick(PRODUCTS)}`, amount, pick(CURRENCIES), pipelineId, stage.id,
        date(closed ?? now + between(-30, 180) * DAY), status === "won" ? 100 : status === "lost" ? 0 : stage.probability, c >= 0 ? company.id[c] : null,
        userId, status, closed === null ? null : iso(closed), status === "lost" ? pick(["Went with a competitor", "No budget", "Timing"]) : null, i, userId, iso(created), iso(closed ?? created)];
    },
  }, log);
  await insertAll(tx, { table: "deal_contacts", columns: [["deal_id", "uuid"], ["contact_id", "uuid"]], count: n.deals, row: (i) => [deal.id[i], contact.id[deal.contact[i]!]] }, log);

  await insertAll(tx, {
    table: "leads",
    columns: [["id", "uuid"], ["name", "text"], ["email", "text"], ["phone", "text"], ["company_name", "text"], ["source", "text"], ["status", "text"], ["owner_id", "uuid"],
      ["utm_source", "text"], ["utm_medium", "text"], ["utm_campaign", "text"], ["referrer", "text"], ["created_by", "uuid"], ["created_at", "timestamptz"], ["updated_at", "timestamptz"]],
    count: n.leads,
    row: (i) => {
      const [first, last] = [pick(FIRST_NAMES), pick(LAST_NAMES)];
      const created = createdAt(i, n.leads);
      const utm = rand() < 0.6;
      return [uuidv7(created, idRand), `${first} ${last}`, `${uniqueLocal(`${ascii(first)}.${ascii(last)}`)}@${pick(MAIL_HOSTS)}`, rand() < 0.7 ? digits(pick(PHONES)) : null,
        `${pick(COMPANY_WORDS)} ${pick(TRADES)}`, pick(LEAD_SOURCES), pick(LEAD_STATUSES), rand() < 0.7 ? userId : null,
        utm ? pick(UTM.source) : null, utm ? pick(UTM.medium) : null, utm ? pick(UTM.campaign) : null, utm ? "https://www.example.com/" : null, userId, iso(created), iso(created)];
    },
  }, log);

  // Older contacts and deals collect more history: subject index r² leans towards the start of the list.
  const subject = () => {
    const onContact = rand() < 0.7 || n.deals === 0;
    const k = Math.floor(rand() ** 2 * (onContact ? n.contacts : n.deals));
    return onContact ? { contact: contact.id[k]!, deal: null, from: contact.created[k]! } : { contact: null, deal: deal.id[k]!, from: deal.created[k]! };
  };
  const activitySubjects = Array.from({ length: n.activities }, () => subject());
  await insertAll(tx, {
    table: "activities",
    columns: [["id", "uuid"], ["kind", "text"], ["occurred_at", "timestamptz"], ["duration_minutes", "int4"], ["outcome", "text"], ["body", "text"], ["author_id", "uuid"], ["created_at", "timestamptz"], ["contact_id", "uuid"], ["deal_id", "uuid"]],
    count: n.activities,
    row: (i) => {
      const s = activitySubjects[i]!;
      const at = between(s.from, now);
      const kind = pick(["call", "call", "call", "email", "email", "meeting"] as const);
      const minutes = kind === "call" ? Math.round(between(2, 45)) : kind === "meeting" ? pick([30, 45, 60, 90]) : null;
      return [uuidv7(at, idRand), kind, iso(at), minutes, pick(OUTCOMES[kind]), pick(BODIES), userId, iso(at), s.contact, s.deal];
    },
  }, log);

  await insertAll(tx, {
    table: "notes",
    columns: [["id", "uuid"], ["body", "text"], ["author_id", "uuid"], ["created_at", "timestamptz"], ["updated_at", "timestamptz"], ["contact_id", "uuid"], ["deal_id", "uuid"]],
    count: n.notes,
    row: () => {
      const s = subject();
      const at = between(s.from, now);
      return [uuidv7(at, idRand), pick(NOTES), userId, iso(at), iso(at), s.contact, s.deal];
    },
  }, log);

  await insertAll(tx, {
    table: "tasks",
    columns: [["id", "uuid"], ["title", "text"], ["due_on", "date"], ["assignee_id", "uuid"], ["done_at", "timestamptz"], ["author_id", "uuid"], ["created_at", "timestamptz"], ["contact_id", "uuid"], ["deal_id", "uuid"]],
    count: n.tasks,
    row: () => {
      const s = subject();
      const at = between(Math.max(s.from, now - 60 * DAY), now);
      const done = rand() < 0.4 ? between(at, now) : null;
      return [uuidv7(at, idRand), pick(TASKS), date(at + between(-10, 30) * DAY), userId, done === null ? null : iso(done), userId, iso(at), s.contact, s.deal];
    },
  }, log);
}
