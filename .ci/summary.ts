// Prints the closing line CI reads, `tests: N passed, N failed[, N skipped]`, from bun's JUnit report.
//
//   bun .ci/summary.ts <junit.xml> [bun-test-exit-code]
//
// Bun 1.4 writes one <testsuites tests failures skipped> root (no `errors` attribute; todo counts as skipped) with
// a nested <testsuite> per file and per describe. Errors are counted as failures if a report has them. A file that
// fails to load is missing from the report altogether, so when bun test exited non-zero but the report shows no
// failure, that is counted as one failure rather than printing a green line over a red run.
// Exits 1 when anything failed or the report is missing or unreadable.
import { existsSync, readFileSync } from "node:fs";

const [file, exitArg] = process.argv.slice(2);
const bunExit = exitArg === undefined ? 0 : Number(exitArg);

function finish(passed: number, failed: number, skipped: number): never {
  console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
  process.exit(failed > 0 ? 1 : 0);
}

if (!file || !existsSync(file)) {
  console.error(`summary: no JUnit report at ${file ?? "(no path given)"}: bun test did not get far enough to write one`);
  finish(0, 1, 0);
}

const xml = readFileSync(file, "utf8");

/** Numeric attributes of the first element named `tag`, or null if there is none. */
function attributesOf(tag: string): Record<string, number> | null {
  const open = new RegExp(`<${tag}\\b([^>]*)>`).exec(xml);
  if (!open) return null;
  const attrs: Record<string, number> = {};
  for (const [, name, value] of open[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)) {
    const n = Number(value);
    if (Number.isFinite(n)) attrs[name!] = n;
  }
  return attrs;
}

const count = (re: RegExp) => xml.match(re)?.length ?? 0;

let tests: number, failed: number, skipped: number;
const root = attributesOf("testsuites");
if (root && root.tests !== undefined) {
  tests = root.tests;
  failed = (root.failures ?? 0) + (root.errors ?? 0);
  skipped = root.skipped ?? 0;
} else if (/<testcase\b/.test(xml)) {
  // No totals on a root element: count the test cases themselves.
  tests = count(/<testcase\b/g);
  failed = count(/<failure\b/g) + count(/<error\b/g);
  skipped = count(/<skipped\b/g);
} else {
  console.error(`summary: ${file} holds no test results`);
  finish(0, 1, 0);
}

const passed = Math.max(0, tests - failed - skipped);
if (bunExit !== 0 && failed === 0) {
  console.error(
    `summary: bun test exited ${bunExit} but ${file} records no failure (an error outside any test, such as a file ` +
      "that failed to load: see the log above); counting it as 1 failed",
  );
  failed = 1;
}

finish(passed, failed, skipped);
