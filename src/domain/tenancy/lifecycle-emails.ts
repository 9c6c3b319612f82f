import { renderEmail } from "../mail/render.tsx";

// P16's email (P19: transactional). It names the deletion date, so nobody learns of it when it is too late.

const day = (d: Date) => d.toISOString().slice(0, 10);

export function workspaceCancelledEmail(p: { workspace: string; by: string; cancelledAt: Date; purgeAfter: Date; settingsUrl: string; owner: boolean }) {
  return renderEmail({
    subject: `${p.workspace} was cancelled and will be deleted on ${day(p.purgeAfter)}`,
    heading: `${p.workspace} was cancelled`,
    paragraphs: [
      `${p.by} cancelled the workspace ${p.workspace} on ${day(p.cancelledAt)}. It is read-only from now on: everything can still be seen and exported, nothing can be changed.`,
      `On ${day(p.purgeAfter)} all of its data will be permanently deleted.`,
      p.owner
        ? "Changed your mind? Any owner can reactivate it from the workspace's Settings page until then."
        : "If this was a mistake, ask an owner of the workspace: they can reactivate it until then.",
    ],
    action: { label: p.owner ? "Open Settings" : "Open the workspace", url: p.settingsUrl },
    reason: "You received this because you are a member of this workspace on Steward.",
  });
}
