import { renderEmail } from "../mail/render.tsx";
import type { ExportKind } from "./export-tables.ts";

// P19: "export ready" is one of the transactional emails Steward sends.

const WHAT: Record<ExportKind, (workspace: string | null) => string> = {
  personal: () => "the copy of your personal data you asked for",
  workspace: (w) => `the export of the workspace ${w ?? ""}`.trim(),
  person: (w) => `the export of a CRM person's data from ${w ?? "your workspace"}`,
};

export function exportReadyEmail(p: { name: string; kind: ExportKind; workspace: string | null; url: string; days: number }) {
  return renderEmail({
    subject: p.kind === "personal" ? "Your data export is ready" : "Your Steward export is ready",
    heading: p.kind === "personal" ? "Your data export is ready" : "Your export is ready",
    paragraphs: [
      `Hello ${p.name}. Steward has finished ${WHAT[p.kind](p.workspace)}: one JSON file.`,
      `The link works for ${p.days} days, and only while you are signed in to the account that asked for it. After that the file is deleted; you can ask for a new one at any time.`,
    ],
    action: { label: "Download the export", url: p.url },
    reason: "You received this because you asked Steward for a data export.",
  });
}
