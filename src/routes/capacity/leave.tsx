import { Hono } from "hono";
import { addLeave, deleteLeave, listLeave } from "../../domain/capacity/leave.ts";
import { Invalid } from "../../domain/errors.ts";
import { LeavePage } from "../../views/capacity/leave.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { base, canEdit, shell, type C } from "./plans-common.ts";

const DONE = { added: "Leave added.", deleted: "Leave deleted." };

async function leavePage(c: C, values: Record<string, string> = {}, errors?: Record<string, string>) {
  const { rows, more } = await listLeave(requestCtx(c));
  return page(c, <LeavePage shell={shell(c)} rows={rows} more={more} canEdit={canEdit(c)} values={values} errors={errors} flash={flashFrom(c, DONE)} />, errors ? 422 : 200);
}

// Agents' planned leave (issue 5, item 5): it lowers the available FTE of plans.
export const leaveRoutes = new Hono<AppEnv>()
  .get("/leave", (c) => leavePage(c))
  .post("/leave", async (c) => {
    const values = await formValues(c);
    try {
      await addLeave(requestCtx(c), values);
      return c.redirect(`${base(c)}/leave?done=added`, 303);
    } catch (err) {
      if (err instanceof Invalid) return leavePage(c, values, err.fieldErrors);
      throw err;
    }
  })
  .post("/leave/:id/deletion", async (c) => {
    await deleteLeave(requestCtx(c), c.req.param("id"));
    return c.redirect(`${base(c)}/leave?done=deleted`, 303);
  });
