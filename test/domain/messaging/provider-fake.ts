// A local HTTP server that answers like Twilio's Messages API and Meta's WhatsApp Cloud API, in their documented
// request and response shapes (errors and 429 with Retry-After included), and records every request it gets.
// Tests point the real adapters at it: the providers themselves are not reachable here.

export interface ProviderRequest {
  method: string;
  path: string;
  authorization: string | null;
  contentType: string | null;
  form: URLSearchParams | null;
  json: Record<string, unknown> | null;
}

/** What the next requests get: "ok", a provider error, a rate limit, a server error, or no answer at all. */
export type ProviderMode = "ok" | "error" | "rate-limit" | "server-error" | "hang" | "rcs-refused";

export interface FakeProviders {
  url: string;
  requests: ProviderRequest[];
  /** Answers in order; when empty, "ok". */
  script: ProviderMode[];
  stop(): Promise<void>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

let counter = 0;

export function startFakeProviders(): FakeProviders {
  const requests: ProviderRequest[] = [];
  const script: ProviderMode[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const type = req.headers.get("content-type");
      const text = await req.text();
      const form = type?.startsWith("application/x-www-form-urlencoded") ? new URLSearchParams(text) : null;
      let body: Record<string, unknown> | null = null;
      if (type?.startsWith("application/json")) body = JSON.parse(text);
      requests.push({ method: req.method, path: url.pathname, authorization: req.headers.get("authorization"), contentType: type, form, json: body });
      let mode = script.shift() ?? "ok";
      if (mode === "hang") {
        await Bun.sleep(2000);
        mode = "ok";
      }
      const twilio = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
      if (twilio && req.method === "POST") {
        if (!req.headers.get("authorization")?.startsWith("Basic ")) return json(401, { code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 });
        if (mode === "rate-limit") return json(429, { code: 20429, message: "Too Many Requests", more_info: "https://www.twilio.com/docs/errors/20429", status: 429 }, { "retry-after": "7" });
        if (mode === "server-error") return json(503, { code: 20503, message: "Service Unavailable", more_info: "https://www.twilio.com/docs/errors/20503", status: 503 });
        if (mode === "error" || (mode === "rcs-refused" && form?.get("From")?.startsWith("rcs:")))
          return json(400, { code: 21211, message: "The 'To' number is not a valid phone number.", more_info: "https://www.twilio.com/docs/errors/21211", status: 400 });
        const sid = `SM${(++counter).toString(16).padStart(32, "0")}`;
        return json(201, {
          account_sid: twilio[1], api_version: "2010-04-01", body: form?.get("Body"), date_created: new Date().toUTCString(), direction: "outbound-api",
          error_code: null, error_message: null, from: form?.get("From"), messaging_service_sid: null, num_media: "0", num_segments: "1", price: null,
          sid, status: "queued", to: form?.get("To"), uri: `/2010-04-01/Accounts/${twilio[1]}/Messages/${sid}.json`,
        });
      }
      const cloud = /^\/(v\d+\.\d+)\/(\d+)\/messages$/.exec(url.pathname);
      if (cloud && req.method === "POST") {
        if (!req.headers.get("authorization")?.startsWith("Bearer ")) return json(401, { error: { message: "Invalid OAuth access token.", type: "OAuthException", code: 190, fbtrace_id: "A1" } });
        if (mode === "rate-limit") return json(429, { error: { message: "(#130429) Rate limit hit", type: "OAuthException", code: 130429, error_subcode: 2494055, fbtrace_id: "A2" } }, { "retry-after": "3" });
        if (mode === "server-error") return json(500, { error: { message: "An unknown error occurred", type: "OAuthException", code: 1, fbtrace_id: "A3" } });
        if (mode === "error") return json(400, { error: { message: "(#131030) Recipient phone number not in allowed list", type: "OAuthException", code: 131030, fbtrace_id: "A4" } });
        const to = String(body?.to ?? "");
        return json(200, { messaging_product: "whatsapp", contacts: [{ input: to, wa_id: to }], messages: [{ id: `wamid.HBgL${(++counter).toString(16).padStart(24, "0")}` }] });
      }
      return json(404, { code: 20404, message: "The requested resource was not found", status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests, script, stop: () => server.stop(true) };
}
