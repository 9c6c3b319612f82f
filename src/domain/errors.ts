// Domain errors carry what the user may see; app.onError maps them to a status and a page.

export abstract class DomainError extends Error {
  abstract readonly status: 403 | 404 | 409 | 422;
}

export class NotFound extends DomainError {
  readonly status = 404;
  constructor(message = "We couldn't find that page.") {
    super(message);
  }
}

export class Forbidden extends DomainError {
  readonly status = 403;
  constructor(message = "You don't have permission to do that.") {
    super(message);
  }
}

export class Conflict extends DomainError {
  readonly status = 409;
  constructor(message = "That conflicts with a change someone else made.") {
    super(message);
  }
}

export type FieldErrors = Record<string, string>;

export class Invalid extends DomainError {
  readonly status = 422;
  constructor(
    readonly fieldErrors: FieldErrors,
    message = "Please correct the highlighted fields.",
  ) {
    super(message);
  }
}
