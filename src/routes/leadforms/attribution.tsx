import { Hono, type Context } from "hono";
import { attributionReport, exportAttribution } from "../../domain/leadforms/attribution.ts";
import { Invalid } from "../../domain/errors.ts";
import { AttributionPage } from "../../views/leadforms/attribution.tsx";
import { requestCtx } from "../context.ts";
import { download } from "../downloads.ts";
import { renderError } from "../errors.tsx";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
/** Only the range, each value cut short so a huge one is never echoed back whole. */
const rangeValues = (c: C) => ({ from: (c.req.query("from") ?? "").slice(0, 20), to: (c.req.query("to") ?? "").slice(0, 20) });

// The attribution report (issue 8, item 7) and its CSV, for every member (records.view, checked in the domain).
export const attributionRoutes = new Hono<AppEnv>()
  .get("/attribution", async (c) => {
    const values = rangeValues(c);
    try {
      const report = await attributionReport(requestCtx(c), values);
      return page(c, <AttributionPage user={signedIn(c)} values={{ from: report.from, to: report.to }} report={report} />);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return page(c, <AttributionPage user={signedIn(c)} values={values} report={null} errors={err.fieldErrors} />, 422);
    }
  })
  .get("/attribution.csv", async (c) => {
    try {
      const { csv, from, to } = await exportAttribution(requestCtx(c), rangeValues(c));
      return download(csv, { type: "text/csv; charset=utf-8", filename: `attribution-${c.var.membership.slug}-${from}-${to}.csv` });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return renderError(c, 422, `The date range is not valid, so nothing was exported. ${Object.values(err.fieldErrors).join(" ")}`);
    }
  });
