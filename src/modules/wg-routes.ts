// Whether a wg-quick config would route pirun's own connection into the
// tunnel. wg-quick adds a route into the interface for every peer's
// AllowedIPs and for the interface Address's network; the replies to pirun
// then leave through the tunnel and no login works again (wg-quick@ is
// enabled, so a reboot does not help). A /0 prefix goes through policy
// routing (fwmark + `suppress_prefixlength 0`): it diverts exactly what the
// main table sends through its default route.
import ipaddr from 'ipaddr.js';
import type { RouteFact } from '../facts/routes.js';

export interface WgPeer {
  // The comment line right after [Peer] (the role writes the peer's name there).
  name?: string;
  publicKey?: string;
  allowedIps: string[];
}

export interface WgConf {
  addresses: string[];
  peers: WgPeer[];
}

// wg-quick's format: sections, `Key = value` lines, `#` comments.
export function parseWgConf(text: string): WgConf {
  const conf: WgConf = { addresses: [], peers: [] };
  let section = '';
  let fresh = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1].toLowerCase();
      if (section === 'peer') conf.peers.push({ allowedIps: [] });
      fresh = true;
      continue;
    }
    const peer = section === 'peer' ? conf.peers[conf.peers.length - 1] : undefined;
    if (line.startsWith('#')) {
      if (peer && fresh && !peer.name) peer.name = line.slice(1).trim();
      continue;
    }
    fresh = false;
    const m = /^(\w+)\s*=\s*(.*?)\s*$/.exec(line.replace(/\s+#.*$/, ''));
    if (!m) continue;
    const [key, value] = [m[1].toLowerCase(), m[2]];
    const list = value.split(',').map((v) => v.trim()).filter(Boolean);
    if (section === 'interface' && key === 'address') conf.addresses.push(...list);
    if (peer && key === 'publickey') peer.publicKey = value;
    if (peer && key === 'allowedips') peer.allowedIps.push(...list);
  }
  return conf;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function cidr(text: string): Cidr | undefined {
  try {
    return text.includes('/') ? ipaddr.parseCIDR(text) : ((a) => [a, a.kind() === 'ipv4' ? 32 : 128] as Cidr)(ipaddr.parse(text));
  } catch {
    return undefined;
  }
}

const contains = ([net, len]: Cidr, addr: ipaddr.IPv4 | ipaddr.IPv6) => net.kind() === addr.kind() && addr.match(net, len);

// The main table's route that carries traffic to `addr` (longest prefix).
function bestRoute(routes: RouteFact[], addr: ipaddr.IPv4 | ipaddr.IPv6): { len: number; dev: string } | undefined {
  let best: { len: number; dev: string } | undefined;
  for (const r of routes) {
    const c = cidr(r.dst);
    if (c && contains(c, addr) && (!best || c[1] > best.len)) best = { len: c[1], dev: r.dev };
  }
  return best;
}

const peerLabel = (p: WgPeer, i: number) => (p.name ? `peer "${p.name}"` : p.publicKey ? `peer with PublicKey "${p.publicKey}"` : `peer #${i + 1}`);

// One line naming the peer, the prefix and pirun's address; undefined when safe.
export function controllerDiversion(conf: WgConf, o: { iface: string; controller: string; routes: RouteFact[] }): string | undefined {
  const client = o.controller.replace(/^::ffff:/i, '');
  if (!ipaddr.isValid(client)) return undefined;
  const addr = ipaddr.parse(client);
  const best = bestRoute(o.routes, addr);
  // pirun already comes in through this tunnel: the lockout guard covers changes to it.
  if (best?.dev === o.iface) return undefined;
  const into = `wg-quick would send the replies to pirun into the tunnel and lock it out`;
  for (const a of conf.addresses) {
    const c = cidr(a);
    if (c && c[1] > 0 && contains(c, addr)) return `the interface Address ${a} contains pirun's own address ${client}: ${into}`;
  }
  for (const [i, p] of conf.peers.entries()) {
    for (const prefix of p.allowedIps) {
      const c = cidr(prefix);
      if (!c) return `${peerLabel(p, i)} has AllowedIPs "${prefix}", which is not an address or network`;
      if (!contains(c, addr)) continue;
      if (c[1] > 0) return `${peerLabel(p, i)} has AllowedIPs ${prefix}, which contains pirun's own address ${client}: ${into}`;
      if (!best || best.len === 0) return `${peerLabel(p, i)} has AllowedIPs ${prefix} and the host reaches pirun's own address ${client} through its default route: ${into}`;
    }
  }
  return undefined;
}
