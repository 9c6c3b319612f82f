import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { FINAL_STATES, STATES, transition, type MachineRequest, type RequestAction } from "../../../src/domain/privacy/state-machine.ts";
import type { RequestType } from "../../../src/domain/privacy/request-tables.ts";

const action: fc.Arbitrary<RequestAction> = fc.oneof(
  fc.constant({ type: "verify" as const }),
  fc.constant({ type: "approve" as const }),
  fc.string({ maxLength: 5 }).map((reason) => ({ type: "deny" as const, reason })),
  fc.constant({ type: "deny" as const, reason: "   " }),
  fc.date({ noInvalidDate: true }).map((at) => ({ type: "schedule" as const, at })),
  fc.constant({ type: "start" as const }),
  fc.constant({ type: "complete" as const }),
  fc.string({ maxLength: 5 }).map((failure) => ({ type: "fail" as const, failure })),
  fc.constant({ type: "retry" as const }),
  fc.constant({ type: "cancel" as const }),
);

const fresh = (type: RequestType): MachineRequest => ({
  type,
  state: "identity_unverified",
  verified_at: null,
  reason: null,
  scheduled_for: null,
  completed_at: null,
  failure: null,
  decided_at: null,
});

describe("the privacy request state machine", () => {
  test("P18 random action sequences never reach an illegal state", () => {
    fc.assert(
      fc.property(fc.constantFrom<RequestType>("access", "erasure", "rectification"), fc.array(action, { maxLength: 40 }), (type, actions) => {
        let req = fresh(type);
        const visited = [req.state];
        let t = 0;
        for (const a of actions) {
          const before = req;
          const r = transition(req, a, new Date(1_700_000_000_000 + ++t * 1000));
          if (!r.ok) {
            expect(r.error.length).toBeGreaterThan(0);
            continue;
          }
          req = r.next;
          visited.push(req.state);
          // The input is never mutated.
          expect(before.state).not.toBe(undefined);
          // Final states are final: nothing is accepted from them.
          expect(FINAL_STATES.includes(before.state)).toBe(false);
          expect(STATES).toContain(req.state);
          // No approval, scheduling, work or completion before the identity is verified.
          if (["approved", "scheduled", "processing", "completed", "failed"].includes(req.state)) expect(req.verified_at).not.toBeNull();
          // A denial always carries a reason.
          if (req.state === "denied") expect((req.reason ?? "").trim().length).toBeGreaterThan(0);
          // Only erasures are ever scheduled.
          if (req.state === "scheduled") expect(type).toBe("erasure");
          // Completion only follows work in processing, and leaves a completion date.
          if (req.state === "completed") {
            expect(before.state).toBe("processing");
            expect(req.completed_at).not.toBeNull();
          }
          // A failure can only be retried into processing, never completed directly.
          if (before.state === "failed") expect(req.state).toBe("processing");
          // Nothing starts processing without having been approved at some point.
          if (req.state === "processing") expect(visited).toContain("approved");
        }
      }),
      { numRuns: 2000 },
    );
  });

  test("P18 a denial needs a reason, and completed is final", () => {
    const pending = { ...fresh("erasure"), state: "pending" as const, verified_at: new Date() };
    expect(transition(pending, { type: "deny", reason: "  " }, new Date()).ok).toBe(false);
    const denied = transition(pending, { type: "deny", reason: "Not a customer of ours" }, new Date());
    expect(denied.ok && denied.next.state).toBe("denied");
    const completed = { ...pending, state: "completed" as const };
    for (const a of ["verify", "approve", "start", "complete", "retry", "cancel"] as const) {
      expect(transition(completed, { type: a } as RequestAction, new Date()).ok).toBe(false);
    }
  });

  test("P18 no approval before the identity is verified", () => {
    expect(transition(fresh("access"), { type: "approve" }, new Date()).ok).toBe(false);
    // Even a record forced into pending without a verification date is refused.
    expect(transition({ ...fresh("access"), state: "pending" }, { type: "approve" }, new Date()).ok).toBe(false);
  });
});
