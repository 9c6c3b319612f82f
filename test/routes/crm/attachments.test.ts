import { describe, expect, test } from "bun:test";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { contentDisposition, safeFilename, sniffType } from "../../../src/domain/crm/attachments.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();

async function seedContact(acct: Account, marker: string): Promise<string> {
  const now = new Date();
  const id = Bun.randomUUIDv7();
  await inTransaction(systemCtx(t.db.app, now, acct.tenantId), (tx) =>
    tx.db.insertInto("contacts").values({ tenant_id: acct.tenantId, id, first_name: "Ada", last_name: `Contact ${marker}`, created_at: now, updated_at: now, created_by: null }).execute(),
  );
  return id;
}

async function setup(env?: Record<string, string>) {
  const app = testApp({ db: t.db, env });
  const acct = await createAccount(t, app);
  const contactId = await seedContact(acct, "MARK");
  const crm = `/t/${acct.slug}/crm`;
  return { app, acct, contactId, crm, contact: `${crm}/contacts/${contactId}` };
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 255]);
const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p)));

function fileForm(content: Uint8Array | string, name: string, type = "application/octet-stream") {
  const form = new FormData();
  form.set("file", new File([content as BlobPart], name, { type }));
  return form;
}

async function upload(acct: Account, contact: string, content: Uint8Array | string, name: string, type?: string) {
  const res = await acct.client.post(`${contact}/attachments`, fileForm(content, name, type));
  const [row] = await t.su<{ id: string; filename: string; content_type: string; size_bytes: number; sha256: Buffer }[]>`
    select id, filename, content_type, size_bytes, sha256 from attachments where tenant_id = ${acct.tenantId} order by created_at desc, id desc limit 1`;
  return { res, row: row! };
}

const count = async (tenantId: string) => (await t.su`select count(*)::int as n from attachments where tenant_id = ${tenantId}`)[0]!.n as number;

describe("attachments", () => {
  test("an upload answers 303 to the record, stores the bytes with their SHA-256, and downloads back byte for byte as an attachment", async () => {
    const { acct, contact, crm } = await setup();
    const { res, row } = await upload(acct, contact, PNG, "logo.png", "image/png");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${contact}#timeline`);
    expect(row.content_type).toBe("image/png");
    expect(row.size_bytes).toBe(PNG.byteLength);
    expect(new Uint8Array(row.sha256)).toEqual(new Uint8Array(new Bun.CryptoHasher("sha256").update(PNG).digest()));
    const timeline = await (await acct.client.htmx("GET", `${contact}/timeline`)).text();
    expect(timeline).toContain(`href="${crm}/attachments/${row.id}"`);

    const dl = await acct.client.get(`${crm}/attachments/${row.id}`);
    expect(dl.status).toBe(200);
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(PNG);
    expect(dl.headers.get("content-type")).toBe("image/png");
    expect(dl.headers.get("content-disposition")).toBe(`attachment; filename="logo.png"; filename*=UTF-8''logo.png`);
    expect(dl.headers.get("x-content-type-options")).toBe("nosniff");
    expect(dl.headers.get("cache-control")).toBe("no-store");
  });

  test("a file named .png that holds HTML is stored and served as plain text, as a download, never as HTML", async () => {
    const { acct, contact, crm } = await setup();
    const html = "<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";
    const { res, row } = await upload(acct, contact, html, "cute-cat.png", "image/png");
    expect(res.status).toBe(303);
    expect(row.content_type).toBe("text/plain; charset=utf-8");
    const dl = await acct.client.get(`${crm}/attachments/${row.id}`);
    expect(dl.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(dl.headers.get("content-type")).not.toContain("html");
    expect(dl.headers.get("content-disposition")).toStartWith("attachment;");
    expect(dl.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await dl.text()).toBe(html);
  });

  test("the type is sniffed from the first bytes, whatever the client claims", () => {
    const zip = bytes("PK", [3, 4, 20, 0, 0, 0], "[Content_Types].xml", [0, 0, 0]);
    const cases: [Uint8Array, string, string][] = [
      [PNG, "a.gif", "image/png"],
      [bytes([0xff, 0xd8, 0xff, 0xe0], "JFIF"), "a.png", "image/jpeg"],
      [bytes("GIF89a", [1, 0, 1, 0]), "a.bin", "image/gif"],
      [bytes("GIF87a", [1, 0]), "a", "image/gif"],
      [bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 "), "a.jpg", "image/webp"],
      [bytes("%PDF-1.7\n", [0xe2, 0xe3, 0xcf, 0xd3]), "a.txt", "application/pdf"],
      [zip, "report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
      [zip, "sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
      [zip, "deck.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"],
      [zip, "archive.zip", "application/zip"],
      [bytes("PK", [3, 4, 20, 0], "evil.html"), "fake.docx", "application/zip"],
      [bytes("name;email\nZoë;zoe@example.com\n"), "people.csv", "text/csv; charset=utf-8"],
      [bytes([0xef, 0xbb, 0xbf], "Grüße\r\n"), "notes.txt", "text/plain; charset=utf-8"],
      [bytes("<svg onload=alert(1)>"), "x.svg", "text/plain; charset=utf-8"],
      [bytes("abc", [0], "def"), "a.txt", "application/octet-stream"],
      [bytes([0xc3, 0x28]), "a.txt", "application/octet-stream"],
      [bytes("MZ", [0x90, 0, 3, 0, 0, 0, 4, 0xff, 0xff]), "setup.pdf", "application/octet-stream"],
    ];
    for (const [data, name, type] of cases) expect({ name, type: sniffType(data, name) }).toEqual({ name, type });
  });

  test("file names are kept safe: no path, no control or bidi characters, at most 255 characters, encoded per RFC 5987", async () => {
    expect(safeFilename("C:\\fakepath\\report.pdf")).toBe("report.pdf");
    expect(safeFilename("../../etc/passwd")).toBe("passwd");
    expect(safeFilename("in\u202Egnp.exe")).toBe("ingnp.exe");
    expect(safeFilename("a\r\nb.txt")).toBe("ab.txt");
    expect(safeFilename("...")).toBe("file");
    const long = safeFilename(`${"x".repeat(300)}.xlsx`);
    expect(long.length).toBe(255);
    expect(long.endsWith(".xlsx")).toBe(true);
    expect(contentDisposition('Résumé "final"; v2 (1)*.pdf')).toBe(`attachment; filename="R_sum_ _final__ v2 (1)*.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%3B%20v2%20%281%29%2A.pdf`);

    const { acct, contact, crm } = await setup();
    const { row } = await upload(acct, contact, "hello", 'Z:\\dir\\"evil"\r\nSet-Cookie: x=1 €.txt', "text/html");
    expect(row.filename).toBe('"evil"Set-Cookie: x=1 €.txt');
    const dl = await acct.client.get(`${crm}/attachments/${row.id}`);
    const cd = dl.headers.get("content-disposition")!;
    expect(cd).not.toMatch(/[\r\n]/);
    expect(cd).toBe(`attachment; filename="_evil_Set-Cookie: x=1 _.txt"; filename*=UTF-8''%22evil%22Set-Cookie%3A%20x%3D1%20%E2%82%AC.txt`);
    expect(dl.headers.get("set-cookie")).toBeNull();
  });

  test("over the size cap answers 413 with a message and saves nothing; exactly the cap is accepted", async () => {
    const { acct, contact } = await setup({ ATTACHMENT_MAX_MB: "1" });
    const cap = 1024 * 1024;
    const over = await acct.client.post(`${contact}/attachments`, fileForm(new Uint8Array(cap + 1), "big.bin"));
    expect(over.status).toBe(413);
    expect(await over.text()).toContain("That file is too large: the limit is 1 MB.");
    expect(await count(acct.tenantId)).toBe(0);
    // With htmx only the message comes back; hx-status:413 puts it under the file input.
    const overHtmx = await acct.client.htmx("POST", `${contact}/attachments`, fileForm(new Uint8Array(cap + 1), "big.bin"));
    expect(overHtmx.status).toBe(413);
    expect(await overHtmx.text()).toBe('<p class="field-error">That file is too large: the limit is 1 MB.</p>');
    // Far over: the app-wide body limit refuses it before it is read.
    const farOver = await acct.client.post(`${contact}/attachments`, fileForm(new Uint8Array(2 * cap), "bigger.bin"));
    expect(farOver.status).toBe(413);
    expect(await farOver.text()).toContain("too large");
    expect(await count(acct.tenantId)).toBe(0);
    const atCap = await acct.client.post(`${contact}/attachments`, fileForm(new Uint8Array(cap), "exact.bin"));
    expect(atCap.status).toBe(303);
    expect(await count(acct.tenantId)).toBe(1);
  });

  test("the default cap is 10 MB", async () => {
    const { acct, contact } = await setup();
    const res = await acct.client.post(`${contact}/attachments`, fileForm(new Uint8Array(10 * 1024 * 1024 + 1), "big.bin"));
    expect(res.status).toBe(413);
    expect(await res.text()).toContain("the limit is 10 MB");
    expect(await count(acct.tenantId)).toBe(0);
  });

  test("no file, or an empty one, answers 422 with a message", async () => {
    const { acct, contact } = await setup();
    const none = await acct.client.post(`${contact}/attachments`, new FormData());
    expect(none.status).toBe(422);
    expect(await none.text()).toContain("Choose a file to upload.");
    const empty = await acct.client.post(`${contact}/attachments`, fileForm(new Uint8Array(0), "empty.txt"));
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("That file is empty.");
    const notMultipart = await acct.client.post(`${contact}/attachments`, { file: "just text" });
    expect(notMultipart.status).toBe(422);
    const htmx = await acct.client.htmx("POST", `${contact}/attachments`, new FormData());
    expect(htmx.status).toBe(422);
    expect(await htmx.text()).toStartWith('<details class="timeline-form" id="tl-file" open');
    expect(await count(acct.tenantId)).toBe(0);
  });

  test("deleting a file answers 303 to the record and removes its bytes", async () => {
    const { acct, contact, crm } = await setup();
    const { row } = await upload(acct, contact, PNG, "logo.png");
    const res = await acct.client.post(`${crm}/attachments/${row.id}/deletion`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${contact}#timeline`);
    expect(await count(acct.tenantId)).toBe(0);
    expect((await acct.client.get(`${crm}/attachments/${row.id}`)).status).toBe(404);
  });

  test("roles: a viewer can download a file but cannot upload or delete one (403)", async () => {
    const { app, acct, contact, crm } = await setup();
    const { row } = await upload(acct, contact, "shared", "shared.txt");
    const viewer = await createAccount(t, app);
    await addMember(t, acct.tenantId, viewer.user.id, "viewer");
    expect((await viewer.client.get(`${crm}/attachments/${row.id}`)).status).toBe(200);
    expect((await viewer.client.post(`${contact}/attachments`, fileForm("x", "x.txt"))).status).toBe(403);
    expect((await viewer.client.post(`${crm}/attachments/${row.id}/deletion`)).status).toBe(403);
    expect(await count(acct.tenantId)).toBe(1);
  });
});

describe("P09 and P10", () => {
  test("P09 another workspace's files and records answer 404: no download, no deletion, no upload", async () => {
    const { app, acct, crm } = await setup();
    const b = await createAccount(t, app);
    const bContact = await seedContact(b, "MARKER-B");
    const { row } = await upload(b, `/t/${b.slug}/crm/contacts/${bContact}`, "MARKER-B secret file", "MARKER-B.txt");
    for (const [method, path, body] of [
      ["GET", `${crm}/attachments/${row.id}`, undefined],
      ["POST", `${crm}/attachments/${row.id}/deletion`, undefined],
      ["POST", `${crm}/contacts/${bContact}/attachments`, fileForm("x", "x.txt")],
      ["GET", `${crm}/attachments/not-a-uuid`, undefined],
      ["GET", `/t/${b.slug}/crm/attachments/${row.id}`, undefined],
    ] as const) {
      const res = await acct.client.request(method, path, { body });
      const text = await res.text();
      expect({ path, status: res.status, leaks: text.includes("MARKER-B") }).toEqual({ path, status: 404, leaks: false });
    }
    expect(await count(b.tenantId)).toBe(1);
    expect(await count(acct.tenantId)).toBe(0);
  });

  test("P10 uploads, downloads and deletions are audited with the file's name and size, never its content", async () => {
    const { acct, contactId, contact, crm } = await setup();
    const { row } = await upload(acct, contact, "CONTENT-MARKER inside the file", "minutes.txt");
    await acct.client.get(`${crm}/attachments/${row.id}`);
    await acct.client.post(`${crm}/attachments/${row.id}/deletion`);
    const rows = await t.su<{ action: string; target_type: string; target_id: string; changes: Record<string, unknown> }[]>`
      select action, target_type, target_id, changes from audit_events where tenant_id = ${acct.tenantId} and target_type = 'attachment' order by seq`;
    expect(rows.map((r) => r.action)).toEqual(["attachment.created", "attachment.downloaded", "attachment.deleted"]);
    for (const r of rows) expect(r.target_id).toBe(row.id);
    expect(rows[0]!.changes).toEqual({ contact_id: contactId, filename: "minutes.txt", size_bytes: 30, content_type: "text/plain; charset=utf-8" });
    expect(rows[1]!.changes).toEqual({ filename: "minutes.txt", size_bytes: 30 });
    expect(rows[2]!.changes).toEqual({ contact_id: contactId, filename: "minutes.txt", size_bytes: 30 });
    const [all] = await t.su`select string_agg(coalesce(changes::text, ''), ' ') as text from audit_events where tenant_id = ${acct.tenantId}`;
    expect(all!.text).not.toContain("CONTENT-MARKER");
  });
});
