// A host's counts for the recap, from its task results. The engine's report
// and the CLI's partial report after an abort count the same way.
import type { HostRecap, TaskResult } from './events.js';

export function hostRecap(results: TaskResult[], o: { unreachable: boolean; touched: boolean }): HostRecap {
  const count = (st: string) => results.filter((r) => r.status === st && !r.ignored).length;
  return {
    ok: results.filter((r) => r.status === 'ok' || r.status === 'changed').length,
    changed: count('changed'),
    failed: count('failed'),
    skipped: count('skipped'),
    unknown: count('unknown'),
    unreachable: o.unreachable,
    untouched: !o.touched,
  };
}
