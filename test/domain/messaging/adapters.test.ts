import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { cloudSend, retryAfterMs, twilioSend } from "../../../src/domain/messaging/providers.ts";
import { metaSignature, twilioSignature, verifyMeta, verifyTwilio } from "../../../src/domain/messaging/signatures.ts";
import { canMove } from "../../../src/domain/messaging/status.ts";
import { startFakeProviders } from "./provider-fake.ts";

const fake = startFakeProviders();
afterAll(() => fake.stop());
beforeEach(() => {
  fake.requests.length = 0;
  fake.script.length = 0;
});

const twilio = () => ({ baseUrl: fake.url, accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "twilio-auth-token" });
const cloud = () => ({ baseUrl: fake.url, apiVersion: "v21.0", phoneNumberId: "106540352242922", accessToken: "EAAGm0PX4ZCpsBA" });
const opts = { timeoutMs: 500 };

describe("webhook signatures", () => {
  // The example in Twilio's security documentation (also the vector of twilio-php's and twilio-csharp's tests).
  const URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const PARAMS: [string, string][] = [["CallSid", "CA1234567890ABCDE"], ["Caller", "+14158675309"], ["Digits", "1234"], ["From", "+14158675309"], ["To", "+18005551212"]];

  test("Twilio's documented example: auth token 12345 signs to RSOYDt4T1cUTdK1PDd93/VVr8B8=, whatever the parameter order", () => {
    expect(twilioSignature("12345", URL, PARAMS)).toBe("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    expect(verifyTwilio("12345", URL, [...PARAMS].reverse(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(true);
  });

  test("Twilio: repeated parameter names sort by value (vector from openssl dgst -sha1 -hmac over the sorted string), and any change breaks the signature", () => {
    const repeated: [string, string][] = [["Sid", "CA123"], ["SidAccount", "AC123"], ["Digits", "5678"], ["Digits", "1234"], ["Digits", "1234"]];
    // URL + "Digits1234Digits1234Digits5678SidCA123SidAccountAC123"
    expect(twilioSignature("12345", URL, repeated)).toBe("tM//N+MVWOh7+ol2z8YCNxSY0Eg=");
    expect(verifyTwilio("12345", `${URL}&x=1`, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(false);
    expect(verifyTwilio("12345", URL, [...PARAMS.slice(1), ["CallSid", "CA0"]], "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(false);
    expect(verifyTwilio("54321", URL, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(false);
    expect(verifyTwilio("12345", URL, PARAMS, undefined)).toBe(false);
  });

  test("Meta: sha256= and the hex HMAC-SHA256 of the raw body with the app secret (vector from openssl dgst -sha256 -hmac)", () => {
    const body = new TextEncoder().encode('{"object":"whatsapp_business_account","entry":[]}');
    const expected = "sha256=ee9f05f989bc0aa2693d85691a477f8b8403933cde7959a1c5c6be7ea85e8d3d";
    expect(metaSignature("meta-app-secret", body)).toBe(expected);
    expect(verifyMeta("meta-app-secret", body, expected)).toBe(true);
    // One byte of whitespace differs: a re-serialised body would fail, which is why the raw bytes are kept.
    expect(verifyMeta("meta-app-secret", new TextEncoder().encode('{"object": "whatsapp_business_account","entry":[]}'), expected)).toBe(false);
    expect(verifyMeta("other-secret", body, expected)).toBe(false);
    expect(verifyMeta("meta-app-secret", body, expected.replace("sha256=", ""))).toBe(false);
  });
});

describe("the status scale", () => {
  test("moves only forwards: queued < sent < delivered < read; failed and undelivered are final and come only before delivery", () => {
    expect(canMove("queued", "sent")).toBe(true);
    expect(canMove("queued", "delivered")).toBe(true);
    expect(canMove("delivered", "sent")).toBe(false);
    expect(canMove("read", "delivered")).toBe(false);
    expect(canMove("sent", "failed")).toBe(true);
    expect(canMove("delivered", "undelivered")).toBe(false);
    expect(canMove("failed", "delivered")).toBe(false);
    expect(canMove("undelivered", "read")).toBe(false);
  });
});

describe("Twilio Messages API adapter against a local server", () => {
  test("posts form-encoded To, From, Body and StatusCallback with basic auth to /2010-04-01/Accounts/{Sid}/Messages.json; the answer's sid is kept", async () => {
    const r = await twilioSend(twilio(), { from: "+15005550006", to: "+14155550100", body: "Hello" }, { ...opts, statusCallback: "https://steward.example/hooks/twilio/tok" });
    expect(r.kind).toBe("accepted");
    expect(r.kind === "accepted" && r.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    const req = fake.requests[0]!;
    expect(req.path).toBe("/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
    expect(req.contentType).toBe("application/x-www-form-urlencoded");
    expect(req.authorization).toBe(`Basic ${Buffer.from("AC0123456789abcdef0123456789abcdef:twilio-auth-token").toString("base64")}`);
    expect(Object.fromEntries(req.form!)).toEqual({ To: "+14155550100", From: "+15005550006", Body: "Hello", StatusCallback: "https://steward.example/hooks/twilio/tok" });
  });

  test("an error JSON (400, code 21211) is final with the provider's code and message; 429 is retried after Retry-After; 503 is retried", async () => {
    fake.script.push("error", "rate-limit", "server-error");
    const bad = await twilioSend(twilio(), { from: "+15005550006", to: "+1", body: "x" }, opts);
    expect(bad).toEqual({ kind: "rejected", retry: false, retryAfterMs: null, error: "HTTP 400: 21211 The 'To' number is not a valid phone number." });
    const limited = await twilioSend(twilio(), { from: "+15005550006", to: "+14155550100", body: "x" }, opts);
    expect(limited).toMatchObject({ kind: "rejected", retry: true, retryAfterMs: 7000 });
    const down = await twilioSend(twilio(), { from: "+15005550006", to: "+14155550100", body: "x" }, opts);
    expect(down).toMatchObject({ kind: "rejected", retry: true, retryAfterMs: null });
  });

  test("no answer within the timeout is an unknown outcome (it may have been sent), never a retry", async () => {
    fake.script.push("hang");
    const r = await twilioSend(twilio(), { from: "+15005550006", to: "+14155550100", body: "x" }, { timeoutMs: 100 });
    expect(r).toEqual({ kind: "unknown", error: "no answer within 100 ms" });
  });

  test("a refused connection never reached the provider: retried", async () => {
    const r = await twilioSend({ ...twilio(), baseUrl: "http://127.0.0.1:9" }, { from: "+1", to: "+2", body: "x" }, opts);
    expect(r).toMatchObject({ kind: "rejected", retry: true });
  });

  test("Retry-After as seconds or an HTTP date", () => {
    expect(retryAfterMs("120")).toBe(120_000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 1)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(60_000);
    expect(retryAfterMs("soon")).toBeNull();
  });
});

describe("WhatsApp Cloud API adapter against a local server", () => {
  test("posts JSON with a bearer token to /{version}/{phone-number-id}/messages; the wamid is kept", async () => {
    const r = await cloudSend(cloud(), { to: "+14155550100", body: "Hi" }, opts);
    expect(r.kind === "accepted" && r.providerMessageId).toMatch(/^wamid\./);
    const req = fake.requests[0]!;
    expect(req.path).toBe("/v21.0/106540352242922/messages");
    expect(req.authorization).toBe("Bearer EAAGm0PX4ZCpsBA");
    expect(req.json).toEqual({ messaging_product: "whatsapp", recipient_type: "individual", to: "14155550100", type: "text", text: { preview_url: false, body: "Hi" } });
  });

  test("errors: a Graph error (131030) is final; 429 (130429) is retried after Retry-After; 500 is retried", async () => {
    fake.script.push("error", "rate-limit", "server-error");
    expect(await cloudSend(cloud(), { to: "+1", body: "x" }, opts)).toEqual({ kind: "rejected", retry: false, retryAfterMs: null, error: "HTTP 400: 131030 (#131030) Recipient phone number not in allowed list" });
    expect(await cloudSend(cloud(), { to: "+1", body: "x" }, opts)).toMatchObject({ kind: "rejected", retry: true, retryAfterMs: 3000 });
    expect(await cloudSend(cloud(), { to: "+1", body: "x" }, opts)).toMatchObject({ kind: "rejected", retry: true, retryAfterMs: null });
  });
});
