// Host names as Ansible inventories write them: `pi[01:20].local`,
// `node-[a:c]`, `web[1:10:2]` (a stride), several ranges in one name, and an
// optional `:port` (`[::1]:2222` for IPv6). Mirrors Ansible's
// expand_hostname_range and parse_address so names come out the same.

export interface HostPattern {
  names: string[];
  port?: number;
}

const RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const NUM_RANGE = String.raw`\[[0-9]+:[0-9]+(?::[0-9]+)?\]`;
const LABEL = String.raw`(?:[\p{L}\p{N}\p{M}_]|${RANGE})(?:[\p{L}\p{N}\p{M}_-]|${RANGE})*(?<![_-])`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUM_RANGE})`;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`);
const IPV6 = /^(?=.*:.*:)[0-9a-f:.[\]]+$/i;
const BRACKETED_PORT = /^\[(.+)\]:([0-9]+)$/;
const HOST_PORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;

// Throws an Error with Ansible's wording for a malformed range.
export function expandHostPattern(pattern: string, opts: { ranges?: boolean } = {}): HostPattern {
  let host = pattern;
  let port: number | undefined;
  for (const re of [BRACKETED_PORT, HOST_PORT]) {
    const m = re.exec(host);
    if (m) [host, port] = [m[1], Number(m[2])];
  }
  // Not a recognisable host: Ansible keeps the text whole, port and all.
  if (!IPV4.test(host) && !IPV6.test(host) && !HOSTNAME.test(host)) [host, port] = [pattern, undefined];
  const ranges = opts.ranges ?? true;
  return { names: ranges && host.includes('[') ? expandRange(host) : [host], ...(port === undefined ? {} : { port }) };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

// The first [begin:end(:step)] is expanded, then the rest of each name.
function expandRange(name: string): string[] {
  const parts = name.replace('[', '|').replace(']', '|').split('|');
  if (parts.length !== 3) throw new Error(`host range in "${name}" must be written [begin:end] or [begin:end:step]`);
  const [head, range, tail] = parts;
  const bounds = range.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new Error(`host range "[${range}]" must be begin:end or begin:end:step`);
  const begin = bounds[0] || '0';
  const end = bounds[1];
  const step = bounds.length === 3 ? toInt(bounds[2], range) : 1;
  if (!end) throw new Error(`host range "[${range}]" must specify an end value`);
  if (step <= 0) throw new Error(`host range "[${range}]" must have a step above 0`);
  let seq: string[];
  if (LETTERS.includes(begin) && LETTERS.includes(end) && begin.length === 1 && end.length === 1) {
    const [from, to] = [LETTERS.indexOf(begin), LETTERS.indexOf(end)];
    if (from > to) throw new Error(`host range "[${range}]" must have begin <= end`);
    seq = [...LETTERS.slice(from, to + 1)].filter((_, i) => i % step === 0);
  } else {
    const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
    if (width && end.length !== width) throw new Error(`host range "[${range}]" must have begin and end of equal length`);
    seq = [];
    for (let n = toInt(begin, range); n <= toInt(end, range); n += step) seq.push(String(n).padStart(width, '0'));
  }
  return seq.flatMap((item) => {
    const expanded = `${head}${item}${tail}`;
    return expanded.includes('[') ? expandRange(expanded) : [expanded];
  });
}

function toInt(text: string, range: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new Error(`host range "[${range}]": "${text}" is not a number`);
  return Number(text);
}
