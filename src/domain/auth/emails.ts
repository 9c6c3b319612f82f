import { renderEmail } from "../mail/render.tsx";

// The account emails (P19: transactional only). Each says why it was sent.

export function welcomeEmail(p: { name: string; workspace: string; url: string }) {
  return renderEmail({
    subject: `Welcome to Steward: ${p.workspace} is ready`,
    heading: `Welcome, ${p.name}`,
    paragraphs: [`Your workspace ${p.workspace} is ready. Invite your team from its Members page when you are.`],
    action: { label: "Open your workspace", url: p.url },
    reason: "You received this because you created a Steward account with this address.",
  });
}

export function lockoutEmail(p: { name: string; minutes: number; resetUrl: string }) {
  return renderEmail({
    subject: "Your Steward account is locked for a while",
    heading: "Too many failed sign-ins",
    paragraphs: [
      `Hello ${p.name}. There were 10 failed attempts to sign in to your account, so sign-in is blocked for ${p.minutes} minutes, whatever password is used.`,
      "If this was you, wait or reset your password now (a reset unlocks the account). If it wasn't, resetting your password is a good idea.",
    ],
    action: { label: "Reset your password", url: p.resetUrl },
    reason: "You received this security notice because of activity on your Steward account.",
  });
}
