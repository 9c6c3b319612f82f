import { renderEmail } from "../mail/render.tsx";

// The privacy emails (P19: transactional only). Each says why it was sent.

export function verificationCodeEmail(p: { workspace: string; code: string; minutes: number }) {
  return renderEmail({
    subject: `Your code for the privacy request to ${p.workspace}`,
    heading: "Confirm your privacy request",
    paragraphs: [
      `Someone, probably you, asked ${p.workspace} on Steward about the personal data it holds for this address.`,
      `Enter this code on the request page within ${p.minutes} minutes: ${p.code}`,
      "If you didn't ask, ignore this email: nothing happens without the code.",
    ],
    reason: "You received this because this address was given on a privacy request form.",
  });
}

export function accountErasureScheduledEmail(p: { name: string; when: string; cancelUrl: string; days: number }) {
  return renderEmail({
    subject: "Your Steward account will be deleted",
    heading: "Your account is scheduled for deletion",
    paragraphs: [
      `Hello ${p.name}. You asked us to delete your Steward account. You have been signed out everywhere and can no longer sign in.`,
      `On ${p.when} (in ${p.days} days) we delete your personal data from every workspace. Records you created for a workspace stay with it, credited to a pseudonym.`,
      "Changed your mind? The link below cancels the deletion until then, without signing in.",
    ],
    action: { label: "Cancel the deletion", url: p.cancelUrl },
    reason: "You received this because the deletion of this Steward account was requested with its password.",
  });
}

export function accountErasedEmail(p: { name: string }) {
  return renderEmail({
    subject: "Your Steward account has been deleted",
    heading: "Your account has been deleted",
    paragraphs: [
      `Hello ${p.name}. As you asked, your Steward account and the personal data it held have been deleted.`,
      "Records you created for a workspace stay with that workspace, credited to a pseudonym. This is the last email we send to this address about the account.",
    ],
    reason: "You received this because the deletion of this Steward account was requested.",
  });
}
