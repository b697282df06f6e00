// The host's main routing table (IPv4 and IPv6) from `ip -j route`, to tell
// whether a new route (a WireGuard peer's AllowedIPs) would take over the
// path to pirun's own address. A host without `ip` or without IPv6 gives [].
import type { Probe } from './probe.js';

export interface RouteFact {
  // A prefix: "default" becomes 0.0.0.0/0 or ::/0, a lone address /32 or /128.
  dst: string;
  dev: string;
}

export const routesProbe: Probe<RouteFact[]> = {
  key: 'routes',
  script: `ip -j -4 route show table main 2>/dev/null; echo; ip -j -6 route show table main 2>/dev/null; echo`,
  parse: (out) => parseRoutes(out),
};

export function parseRoutes(out: string): RouteFact[] {
  const lines = out.split('\n');
  return [0, 1].flatMap((i) => {
    const v6 = i === 1;
    let rows: unknown;
    try {
      rows = JSON.parse(lines[i] ?? '');
    } catch {
      return [];
    }
    if (!Array.isArray(rows)) return [];
    return rows.flatMap((r: { dst?: unknown; dev?: unknown; type?: unknown }) => {
      if (typeof r.dst !== 'string' || (r.type !== undefined && r.type !== 'unicast')) return [];
      const dst = r.dst === 'default' ? (v6 ? '::/0' : '0.0.0.0/0') : r.dst.includes('/') ? r.dst : `${r.dst}/${v6 ? 128 : 32}`;
      return [{ dst, dev: typeof r.dev === 'string' ? r.dev : '' }];
    });
  });
}
