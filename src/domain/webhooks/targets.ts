import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

// Webhook targets are URLs a workspace admin typed in, fetched by our servers: in production they must not reach
// our own network (loopback, private, link-local, cloud metadata) unless WEBHOOK_ALLOW_PRIVATE_TARGETS says so.

export interface TargetPolicy {
  allowPrivate: boolean;
}

function privateV4(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number) as [number, number];
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
}

export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) return privateV4(ip);
  const v6 = ip.toLowerCase().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped) return privateV4(mapped[1]!);
  return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || /^ff/.test(v6);
}

/** The URL's problem as a sentence, or null: http(s) only, no credentials, no private host named literally. */
export function urlProblem(raw: string, policy: TargetPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Enter a full URL starting with https:// or http://.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Only https:// and http:// URLs can receive webhooks.";
  if (url.username || url.password) return "Put credentials in your receiver's configuration, not in the URL.";
  if (!policy.allowPrivate) {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".internal") || (isIP(host) && isPrivateAddress(host))) {
      return "This address is on a private network; webhooks go to public addresses only.";
    }
  }
  return null;
}

/** Checked again before each delivery, on the addresses the name resolves to now. */
export async function assertPublicTarget(raw: string, policy: TargetPolicy): Promise<void> {
  const problem = urlProblem(raw, policy);
  if (problem) throw new Error(problem);
  if (policy.allowPrivate) return;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  if (addresses.some(isPrivateAddress)) throw new Error("The target resolves to a private address; refused.");
}
