// Values check mode cannot know. A command that check mode does not run has
// no stdout or rc; a set_fact built from one has no value. Such values still
// render (as an empty string), so later tasks plan, but every read is noted:
// a task that read one is reported `unknown` instead of a status that would
// guess. In a real run no unknown value exists.

// A variable whose value depends on a task check mode did not run.
export class Unknown {
  constructor(readonly from: string) {}
}

// Rendering is synchronous, so the reads noted while `tracked` runs are that
// render's own, even with many hosts in flight.
const active: Set<string>[] = [];

export function noteUnknown(from: string): void {
  for (const s of active) s.add(from);
}

export interface Tracked<T> {
  ok: boolean;
  value?: T;
  error?: unknown;
  // The tasks whose unknown results were read (empty: the value is known).
  unknownFrom: string[];
}

// Runs a synchronous render and says which unknown values it read. An error
// after such a read is not the task's fault (the placeholder may not fit), so
// callers look at `unknownFrom` first.
export function tracked<T>(fn: () => T): Tracked<T> {
  const seen = new Set<string>();
  active.push(seen);
  try {
    return { ok: true, value: fn(), unknownFrom: [...seen] };
  } catch (error) {
    return { ok: false, error, unknownFrom: [...seen] };
  } finally {
    active.pop();
  }
}

// The value a template sees for a variable: an unknown one reads as "" and is noted.
export function readVar(v: unknown): unknown {
  if (v instanceof Unknown) {
    noteUnknown(v.from);
    return '';
  }
  return v;
}

// A registered result whose listed keys are known and every other key
// (stdout, rc, failed, ...) is unknown: reading one notes it and gives "".
export function unknownResult(from: string, known: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(known, {
    get(target, key) {
      if (typeof key !== 'string' || key in target) return Reflect.get(target, key);
      if (key === 'toJSON' || key === 'then') return undefined;
      noteUnknown(from);
      return '';
    },
  });
}

// The task names behind unknown values, for a message.
export function dependsText(from: string[]): string {
  return from.map((f) => `"${f}"`).join(', ');
}
