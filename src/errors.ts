// Errors that carry their context. A PirunError is the user's mistake or the
// host's refusal: the CLI prints its one-line message and no stack trace.
// Anything else is a bug and prints a stack trace.

export interface ErrorContext {
  file?: string;
  path?: string;
  host?: string;
  task?: string;
}

export class PirunError extends Error {
  readonly context: ErrorContext;
  constructor(message: string, context: ErrorContext = {}) {
    super(message);
    this.name = 'PirunError';
    this.context = context;
  }
}

// Bad playbook, inventory, variables or flags: nothing was touched.
export class ConfigError extends PirunError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'ConfigError';
  }
}

// A host could not be reached or refused us (auth, host key, timeout).
export class UnreachableError extends PirunError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'UnreachableError';
  }
}

// A task failed on a host.
export class TaskError extends PirunError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
    this.name = 'TaskError';
  }
}

export function isUserError(err: unknown): err is PirunError {
  return err instanceof PirunError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
