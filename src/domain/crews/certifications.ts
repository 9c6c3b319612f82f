import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { isUuid, optionalDay, parseForm, requiredText } from "./people-common.ts";

// Certifications an employee holds, each with an optional expiry (the employee page flags expired ones and marks
// those expiring within 30 days).

export const CertificationSchema = z.object({
  cert_name: requiredText(100, "Enter the certification's name."),
  expires_on: optionalDay,
});

export async function addCertification(ctx: Ctx, employeeId: string, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  if (!isUuid(employeeId)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const employee = await tx.db.selectFrom("crew_employees").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "=", employeeId).forShare().executeTakeFirst();
    if (!employee) throw new NotFound();
    const input = parseForm(CertificationSchema, values);
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("crew_certifications").values({ tenant_id: tx.tenantId!, id, employee_id: employeeId, name: input.cert_name, expires_on: input.expires_on, created_at: tx.now }).execute();
    await audit(tx, "certification.created", { type: "employee", id: employeeId }, { certification: id, name: input.cert_name, expires_on: input.expires_on });
    return id;
  });
}

export async function removeCertification(ctx: Ctx, employeeId: string, certificationId: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(employeeId) || !isUuid(certificationId)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db
      .deleteFrom("crew_certifications")
      .where("tenant_id", "=", tx.tenantId!)
      .where("employee_id", "=", employeeId)
      .where("id", "=", certificationId)
      .returning(["name"])
      .executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "certification.deleted", { type: "employee", id: employeeId }, { certification: certificationId, name: gone.name });
  });
}
