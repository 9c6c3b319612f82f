// Personal data in the privacy queue is masked until someone presses "reveal" (audited): a glance at the queue
// shows enough to tell requests apart, never a whole address or name.

const DOT = "•••";

function maskWord(w: string): string {
  const first = [...w][0];
  return first ? `${first}${DOT}` : "";
}

/** jane.doe@example.com → j•••@e•••.com */
export function maskEmail(email: string | null | undefined): string {
  if (!email) return "";
  const at = email.lastIndexOf("@");
  if (at < 0) return maskWord(email);
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf(".");
  const tld = dot > 0 ? domain.slice(dot) : "";
  return `${maskWord(local)}@${maskWord(dot > 0 ? domain.slice(0, dot) : domain)}${tld}`;
}

/** Jane van Doe → J••• v••• D••• */
export function maskName(name: string | null | undefined): string {
  if (!name) return "";
  return name
    .trim()
    .split(/\s+/)
    .map(maskWord)
    .join(" ");
}
