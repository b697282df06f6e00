// Whether systemd's loaded configuration is older than the unit files on
// disk (`NeedDaemonReload`), for one unit or for any loaded unit.
import { sh } from '../transport/quote.js';
import type { Probe } from './probe.js';

export function daemonReloadProbe(unit?: string): Probe<boolean> {
  return {
    key: `daemon-reload:${unit ?? '*'}`,
    script: unit ? sh`systemctl show --property=NeedDaemonReload -- ${unit}` : `systemctl show --property=NeedDaemonReload -- '*'`,
    parse: (out) => /^NeedDaemonReload=yes$/m.test(out),
  };
}
