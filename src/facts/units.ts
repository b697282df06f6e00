// systemd unit state from `systemctl show`; a unit that does not exist is null.
import { sh } from '../transport/quote.js';
import type { Probe } from './probe.js';

export interface UnitFact {
  name: string;
  loadState: string; // loaded, not-found, masked
  activeState: string; // active, inactive, failed, activating
  unitFileState: string; // enabled, disabled, static, masked, ''
}

export function unitProbe(name: string): Probe<UnitFact | null> {
  return {
    key: `unit:${name}`,
    script: sh`systemctl show --property=LoadState,ActiveState,UnitFileState -- ${name}`,
    parse: (out) => parseUnit(name, out),
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
