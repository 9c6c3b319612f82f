import type { RequestState, RequestType } from "./request-tables.ts";

// The privacy request lifecycle (P18), as a pure function: the domain asks it before every write, and a property
// test (test/domain/privacy/state-machine.test.ts) drives it with random action sequences.
//
//   identity_unverified ─verify→ pending ─approve→ approved ─schedule→ scheduled ─start→ processing ─complete→ completed
//                                  └─deny(reason)→ denied      └─start→ processing      └─fail→ failed ─retry→ processing
//   cancel (the requester withdraws): from any state before processing → cancelled.
// completed, denied and cancelled are final. Only erasures are scheduled; access and rectification start at once.

export const STATES: readonly RequestState[] = ["identity_unverified", "pending", "approved", "denied", "scheduled", "processing", "completed", "failed", "cancelled"];
export const FINAL_STATES: readonly RequestState[] = ["completed", "denied", "cancelled"];
/** States whose due date still counts: what the queue calls open. */
export const OPEN_STATES: readonly RequestState[] = STATES.filter((s) => !FINAL_STATES.includes(s));

export type RequestAction =
  | { type: "verify" }
  | { type: "approve" }
  | { type: "deny"; reason: string }
  | { type: "schedule"; at: Date }
  | { type: "start" }
  | { type: "complete" }
  | { type: "fail"; failure: string }
  | { type: "retry" }
  | { type: "cancel" };

export type ActionType = RequestAction["type"];

export interface MachineRequest {
  type: RequestType;
  state: RequestState;
  verified_at: Date | null;
  reason: string | null;
  scheduled_for: Date | null;
  completed_at: Date | null;
  failure: string | null;
  decided_at: Date | null;
}

export type Transition = { ok: true; next: MachineRequest } | { ok: false; error: string };

const FROM: Record<ActionType, readonly RequestState[]> = {
  verify: ["identity_unverified"],
  approve: ["pending"],
  deny: ["identity_unverified", "pending"],
  schedule: ["approved"],
  start: ["approved", "scheduled"],
  complete: ["processing"],
  fail: ["processing"],
  retry: ["failed"],
  cancel: ["identity_unverified", "pending", "approved", "scheduled"],
};

export const STATE_LABELS: Record<RequestState, string> = {
  identity_unverified: "Identity unverified",
  pending: "Pending",
  approved: "Approved",
  denied: "Denied",
  scheduled: "Scheduled",
  processing: "In processing",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

const trimmed = (s: string | null | undefined) => (s ?? "").trim();

/** Whether an action may be taken now, and the request it leaves. Never throws; never mutates its input. */
export function transition(req: MachineRequest, action: RequestAction, now: Date): Transition {
  if (!FROM[action.type].includes(req.state)) {
    return { ok: false, error: `A request that is ${STATE_LABELS[req.state].toLowerCase()} cannot be ${PAST[action.type]}.` };
  }
  const next: MachineRequest = { ...req };
  switch (action.type) {
    case "verify":
      return ok({ ...next, state: "pending", verified_at: now });
    case "approve":
      if (!req.verified_at) return { ok: false, error: "The requester's identity has not been verified yet." };
      return ok({ ...next, state: "approved", decided_at: now });
    case "deny": {
      const reason = trimmed(action.reason);
      if (!reason) return { ok: false, error: "Give the reason for the denial: the requester is told it." };
      if (reason.length > 1000) return { ok: false, error: "Use at most 1000 characters." };
      return ok({ ...next, state: "denied", reason, decided_at: now });
    }
    case "schedule":
      if (req.type !== "erasure") return { ok: false, error: "Only erasures are scheduled; start the work instead." };
      return ok({ ...next, state: "scheduled", scheduled_for: action.at });
    case "start":
      if (!req.verified_at) return { ok: false, error: "The requester's identity has not been verified yet." };
      return ok({ ...next, state: "processing", failure: null });
    case "complete":
      return ok({ ...next, state: "completed", completed_at: now, failure: null });
    case "fail":
      return ok({ ...next, state: "failed", failure: trimmed(action.failure).slice(0, 500) || "The work failed." });
    case "retry":
      return ok({ ...next, state: "processing", failure: null });
    case "cancel":
      return ok({ ...next, state: "cancelled" });
  }
}

const ok = (next: MachineRequest): Transition => ({ ok: true, next });

const PAST: Record<ActionType, string> = {
  verify: "verified",
  approve: "approved",
  deny: "denied",
  schedule: "scheduled",
  start: "started",
  complete: "completed",
  fail: "marked failed",
  retry: "retried",
  cancel: "cancelled",
};

/** The actions a person could take from here (for the request page's buttons). */
export function availableActions(req: Pick<MachineRequest, "state" | "type">): ActionType[] {
  return (Object.keys(FROM) as ActionType[]).filter((a) => FROM[a].includes(req.state) && (a !== "schedule" || req.type === "erasure"));
}

export const isFinal = (state: RequestState) => FINAL_STATES.includes(state);
