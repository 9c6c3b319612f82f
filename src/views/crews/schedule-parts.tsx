import { raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { AssignmentKind } from "../../domain/crews/tables.ts";
import type { WeekOf } from "../../domain/crews/schedule.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { hrefWith } from "../crm/fields.tsx";

// Pieces shared by the schedule's pages (grid, a person's week, by project).

export const STATUS: Record<Exclude<AssignmentKind, "project">, string> = { pto: "PTO", sick: "Sick", training: "Training", off: "Off" };
export const KIND_OPTIONS: { value: AssignmentKind; label: string }[] = [
  { value: "project", label: "Project" },
  { value: "pto", label: "PTO" },
  { value: "sick", label: "Sick" },
  { value: "training", label: "Training" },
  { value: "off", label: "Off" },
];

export const cellLabel = "Choose a day to assign it; a name opens that person's week.";

/**
 * A project's colour. An SVG rect with a fill attribute: presentation attributes are not inline styles, so the
 * strict CSP allows them, and any hex colour works.
 */
export function Swatch({ color }: { color: string | null }) {
  if (!color) return null;
  // A grid holds hundreds of swatches in a few colours: each colour is rendered (and escaped) by JSX once per process.
  let html = swatches.get(color);
  if (!html) {
    html = raw(
      String(
        <svg class="sw" width="10" height="10" aria-hidden="true">
          <rect width="10" height="10" fill={color} />
        </svg>,
      ),
    );
    if (swatches.size < 5000) swatches.set(color, html);
  }
  return html;
}
const swatches = new Map<string, HtmlEscapedString>();

// A grid shows a few colours hundreds of times: its page defines each colour once as an SVG symbol (SwatchDefs)
// and every swatch refers to it (SwatchRef), about 60 bytes instead of 100. Stored colours are #rrggbb (the
// database checks it), which makes the symbol's id; anything else falls back to the full Swatch.
const HEX = /^#[0-9a-f]{6}$/;
const symbolId = (color: string) => `sw-${color.slice(1)}`;

/** One symbol per colour, for SwatchRef; the holder takes no room (static/app.css, svg.defs). */
export function SwatchDefs({ colors }: { colors: Iterable<string | null> }) {
  const distinct = [...new Set(colors)].filter((c): c is string => !!c && HEX.test(c));
  if (!distinct.length) return null;
  return (
    <svg class="defs" aria-hidden="true">
      {distinct.map((color) => (
        <symbol id={symbolId(color)} viewBox="0 0 10 10">
          <rect width="10" height="10" fill={color} />
        </symbol>
      ))}
    </svg>
  );
}

/** A project's colour drawn from the page's SwatchDefs (sized by static/app.css, svg.sw). */
export function SwatchRef({ color }: { color: string | null }) {
  if (!color) return null;
  if (!HEX.test(color)) return <Swatch color={color} />;
  let html = refs.get(color);
  if (!html) {
    html = raw(
      String(
        <svg class="sw" aria-hidden="true">
          <use href={`#${symbolId(color)}`} />
        </svg>,
      ),
    );
    if (refs.size < 5000) refs.set(color, html);
  }
  return html;
}
const refs = new Map<string, HtmlEscapedString>();

/** Previous / next week links and a GET form to jump to a week (and, on the grid, to one crew). */
export function WeekNav(props: { base: string; week: WeekOf; foremen?: { id: string; name: string }[]; foreman?: string | null; errors?: FieldErrors; extra?: Record<string, string> }) {
  const { base, week, foremen, foreman } = props;
  const link = (w: string) => hrefWith(base, { ...props.extra, week: w, foreman });
  return (
    <nav class="actions week-nav" aria-label="Weeks">
      <a href={link(week.prev)} rel="prev">
        ← {week.prev}
      </a>
      <a href={link(week.next)} rel="next">
        {week.next} →
      </a>
      <form method="get" action={base} class="inline-form">
        {Object.entries(props.extra ?? {}).map(([n, v]) => (
          <input type="hidden" name={n} value={v} />
        ))}
        <label>
          Week{" "}
          <input name="week" value={week.key} size={9} maxlength={8} pattern="\d{4}-W\d{2}" aria-invalid={props.errors?.week ? "true" : undefined} title="YYYY-Www, e.g. 2025-W10" />
        </label>
        {foremen && foremen.length > 0 && (
          <label>
            Crew{" "}
            <select name="foreman">
              <option value="" selected={!foreman}>
                All crews
              </option>
              {foremen.map((f) => (
                <option value={f.id} selected={f.id === foreman}>
                  {f.name}
                </option>
              ))}
              <option value="none" selected={foreman === "none"}>
                No foreman
              </option>
            </select>
          </label>
        )}
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
    </nav>
  );
}
