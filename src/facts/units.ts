// systemd unit state from `systemctl show`; a unit that does not exist is null.
import { sh } from '../transport/quote.js';
import type { Probe } from './probe.js';

export interface UnitFact {
  name: string;
  loadState: string; // loaded, not-found, masked
  activeState: string; // active, inactive, failed, activating
  unitFileState: string; // enabled, disabled, static, masked, ''
}

const PROPS = '--property=LoadState,ActiveState,UnitFileState';

export function unitProbe(name: string): Probe<UnitFact | null> {
  return {
    key: `unit:${name}`,
    script: `${sh`systemctl show`} ${PROPS} ${sh`-- ${name}`}`,
    parse: (out) => parseUnit(name, out),
    batch: { kind: 'systemd-units', combine: (members) => unitsProbe(members.map((m) => m.key.slice('unit:'.length))) },
  };
}

// Several units in one `systemctl show`, which prints one block per unit in
// the order given, separated by blank lines. If systemctl refuses the list (a
// name it cannot parse), each unit is read on its own after an @unit line.
export function unitsProbe(names: string[]): Probe<(UnitFact | null)[]> {
  return {
    key: `units:${names.join(' ')}`,
    script: [
      sh`set -- ${names}`,
      `if out=$(systemctl show ${PROPS} -- "$@" 2>/dev/null); then printf '%s\n' "$out"`,
      `else for u in "$@"; do echo @unit; systemctl show ${PROPS} -- "$u" 2>/dev/null; done; fi`,
    ].join('\n'),
    parse(out) {
      const blocks = out.startsWith('@unit\n') ? out.split('@unit\n').slice(1) : out.split(/\n[ \t]*\n/);
      return names.map((n, i) => parseUnit(n, blocks[i] ?? ''));
    },
    also: (units) => names.map((n, i) => [unitProbe(n), units[i]]),
  };
}

export function parseUnit(name: string, out: string): UnitFact | null {
  const kv = Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
  if (!kv.LoadState || kv.LoadState === 'not-found') return null;
  return { name, loadState: kv.LoadState, activeState: kv.ActiveState ?? '', unitFileState: kv.UnitFileState ?? '' };
}
