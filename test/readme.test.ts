import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PERMISSIONS, ROLES } from "../src/domain/tenancy/permissions.ts";

// The README is part of the product: these checks keep its tables true to the code and the tests.
const readme = readFileSync(join(import.meta.dir, "../README.md"), "utf8");

function testSources(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((p) => (statSync(p).isDirectory() ? testSources(p) : p.endsWith(".test.ts") ? readFileSync(p, "utf8") : ""))
    .join("\n");
}

describe("README", () => {
  test("the permission table matches the permission matrix in the domain", () => {
    for (const [permission, roles] of Object.entries(PERMISSIONS)) {
      const row = readme.split("\n").find((l) => l.includes(`(\`${permission}\`)`));
      expect(row ? permission : `no README row for ${permission}`).toBe(permission);
      const cells = row!.split("|").slice(2, 2 + ROLES.length).map((c) => c.trim() === "✓");
      expect({ permission, cells }).toEqual({ permission, cells: ROLES.map((r) => (roles as readonly string[]).includes(r)) });
    }
  });

  test("every promise the README calls tested has a test named after its id", () => {
    const sources = testSources(join(import.meta.dir));
    const rows = readme.split("\n").filter((l) => /^\| P\d\d /.test(l) && l.trim().endsWith("| tested |"));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const id = row.slice(2, 5);
      expect(sources.includes(`"${id} `) || sources.includes(`\`${id} `) ? id : `${id} has no test`).toBe(id);
    }
  });
});
