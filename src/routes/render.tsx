import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * htmx 4 marks its requests `HX-Request-Type: partial` when it wants a fragment. History restores (back button)
 * and boosted full loads want the whole page.
 */
export function wantsFragment(c: Context): boolean {
  return c.req.header("hx-request-type") === "partial" && c.req.header("hx-history-restore-request") !== "true";
}

/** A whole HTML page with its doctype (Hono's c.html adds none). */
export function page(c: Context, node: Child, status: ContentfulStatusCode = 200) {
  return c.html(
    <>
      {raw("<!DOCTYPE html>")}
      {node}
    </>,
    status,
  );
}

/** The whole page or just the fragment, as the request asks. */
export function pageOr(c: Context, fullPage: () => Child, fragment: () => Child, status: ContentfulStatusCode = 200) {
  return wantsFragment(c) ? c.html(<>{fragment()}</>, status) : page(c, fullPage(), status);
}

/**
 * The message after a redirect (`?done=invited`), looked up in a fixed table: words of ours and a number, never
 * text from the request. Only the table's own keys count (`?done=constructor` is not a message).
 */
export function flashFrom(c: Context, messages: Record<string, string>, param = "done"): { kind: "ok"; message: string } | null {
  const key = c.req.query(param) ?? "";
  if (!Object.hasOwn(messages, key)) return null;
  const n = /^\d{1,4}$/.test(c.req.query("n") ?? "") ? c.req.query("n")! : "0";
  return { kind: "ok", message: messages[key]!.replace("{n}", n) };
}
