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

export function invitationEmail(p: { inviter: string; workspace: string; role: string; url: string; days: number }) {
  return renderEmail({
    subject: `${p.inviter} invited you to ${p.workspace} on Steward`,
    heading: `You're invited to ${p.workspace}`,
    paragraphs: [
      `${p.inviter} has given you access to the workspace ${p.workspace} on Steward, as ${p.role}.`,
      `The link works once and expires in ${p.days} days. If you don't want to join, ignore this email: nothing happens.`,
    ],
    action: { label: "Accept the invitation", url: p.url },
    reason: "You received this because a member of this workspace invited this address.",
  });
}

export function passwordResetEmail(p: { name: string; url: string; minutes: number }) {
  return renderEmail({
    subject: "Reset your Steward password",
    heading: "Choose a new password",
    paragraphs: [
      `Hello ${p.name}. Someone, probably you, asked to reset the password of your Steward account.`,
      `The link below works once, for ${p.minutes} minutes. If you didn't ask, ignore this email: your password stays as it is.`,
    ],
    action: { label: "Choose a new password", url: p.url },
    reason: "You received this because a password reset was requested for this address on Steward.",
  });
}

export function passwordChangedEmail(p: { name: string; how: "reset" | "changed"; resetUrl: string }) {
  return renderEmail({
    subject: "Your Steward password was changed",
    heading: "Your password was changed",
    paragraphs: [
      p.how === "reset"
        ? `Hello ${p.name}. The password of your Steward account was just reset with a link sent to this address, and every signed-in device was signed out.`
        : `Hello ${p.name}. The password of your Steward account was just changed from your profile, and your other signed-in devices were signed out.`,
      "If this was you, there is nothing to do. If it wasn't, reset your password now.",
    ],
    action: { label: "Reset your password", url: p.resetUrl },
    reason: "You received this security notice because of activity on your Steward account.",
  });
}

export function emailChangeEmail(p: { name: string; url: string; hours: number }) {
  return renderEmail({
    subject: "Confirm your new email address for Steward",
    heading: "Confirm your new email address",
    paragraphs: [
      `Hello ${p.name}. You asked to use this address for your Steward account.`,
      `Open the link below within ${p.hours} hours while signed in to confirm it. Until then your account keeps its current address. If you didn't ask, ignore this email.`,
    ],
    action: { label: "Confirm this address", url: p.url },
    reason: "You received this because someone asked to move a Steward account to this address.",
  });
}

export function emailChangedEmail(p: { name: string; newEmail: string }) {
  return renderEmail({
    subject: "Your Steward email address was changed",
    heading: "Your email address was changed",
    paragraphs: [
      `Hello ${p.name}. Your Steward account now uses ${p.newEmail}. Emails about it will go there from now on.`,
      "If this wasn't you, someone may have access to your account: tell your workspace's owner straight away.",
    ],
    reason: "You received this security notice because this address was the email of a Steward account.",
  });
}
