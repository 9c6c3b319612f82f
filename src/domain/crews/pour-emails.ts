import { renderEmail } from "../mail/render.tsx";
import type { PourView } from "./pours.ts";
import { UNIT_LABELS } from "./pours.ts";
import type { Flag } from "./weather-rules.ts";
import { shortDay } from "./week.ts";

// The pour emails (P19, transactional): the confirmation to its crews and the project's contacts, and the
// weather warning to the project manager.

const projectName = (p: { project_name: string; project_number: string | null }) => (p.project_number ? `${p.project_number} · ${p.project_name}` : p.project_name);

function details(p: PourView): string[] {
  const names = (role: "placing" | "finishing") => p.crews.filter((c) => c.role === role).map((c) => c.name).join(", ") || "none listed";
  const lines = [
    `Project: ${projectName(p)}${p.project_address ? `, ${p.project_address}` : ""}`,
    `When: ${shortDay(p.day)} ${p.day.slice(0, 4)}, start ${p.start_time}`,
    `Element or location: ${p.location}`,
    `Volume: ${p.volume} ${UNIT_LABELS[p.volume_unit]}`,
  ];
  if (p.mix_design || p.slump) lines.push(`Mix: ${[p.mix_design, p.slump ? `slump ${p.slump}` : null].filter(Boolean).join(", ")}`);
  if (p.pump_type || p.pump_company) lines.push(`Pump: ${[p.pump_type, p.pump_company].filter(Boolean).join(", ")}`);
  if (p.supplier) lines.push(`Supplier: ${p.supplier}`);
  lines.push(`Placing crew: ${names("placing")}`, `Finishing crew: ${names("finishing")}`);
  if (p.notes) lines.push(`Notes: ${p.notes}`);
  return lines;
}

export type PourRecipient = { kind: "crew"; role: ("placing" | "finishing")[] } | { kind: "contact" };

const reasonFor = (p: PourView, to: PourRecipient) =>
  to.kind === "crew" ? "You get this because you are on the crew of this pour." : `You get this because you are a contact of the project ${projectName(p)}.`;

export function pourConfirmedEmail(p: PourView, to: PourRecipient) {
  const when = `${shortDay(p.day)} ${p.start_time}`;
  return renderEmail({
    subject: `Pour confirmed: ${p.location}, ${when}`,
    heading: `Pour confirmed for ${when}`,
    paragraphs: [
      to.kind === "crew" ? `You are on the ${to.role.join(" and ")} crew of this pour.` : `A pour on ${projectName(p)} is confirmed.`,
      ...details(p),
    ],
    reason: reasonFor(p, to),
  });
}

/** To the people told of the confirmation: the pour is off (for the weather, or another reason), and why. */
export function pourCancelledEmail(p: PourView, to: PourRecipient) {
  const when = `${shortDay(p.day)} ${p.start_time}`;
  const weather = p.status === "weather_cancelled";
  return renderEmail({
    subject: `Pour cancelled${weather ? " for the weather" : ""}: ${p.location}, ${when}`,
    heading: `The pour of ${when} is cancelled`,
    paragraphs: [
      to.kind === "crew" ? `The pour you were on the ${to.role.join(" and ")} crew of will not go ahead.` : `A confirmed pour on ${projectName(p)} will not go ahead.`,
      `Reason${weather ? " (weather)" : ""}: ${p.status_reason ?? ""}`,
      ...details(p),
    ],
    reason: reasonFor(p, to),
  });
}

export function pourWeatherEmail(p: PourView, flags: { flag: Flag; label: string }[], url: string) {
  const when = `${shortDay(p.day)} ${p.start_time}`;
  return renderEmail({
    subject: `Weather check: ${p.location}, ${when}`,
    heading: `The forecast flags the pour of ${when}`,
    paragraphs: [`${projectName(p)}: ${p.location}.`, "Within 6 hours of the start, the forecast shows:", ...flags.map((f) => `• ${f.label}`), "Decide whether it goes ahead, and cancel it for the weather if not."],
    action: { label: "Open the pour", url },
    reason: `You get this because you manage the project ${projectName(p)}.`,
  });
}
