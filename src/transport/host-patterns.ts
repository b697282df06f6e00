// Host patterns as OpenSSH reads them in known_hosts (match.c: match_pattern,
// match_pattern_list, match_hostname; hostfile.c: hashed names). A name is
// compared without case; `*` is any run of characters and `?` exactly one;
// a `!pattern` that matches vetoes the whole list, wherever it stands.
import { createHmac, timingSafeEqual } from 'node:crypto';

// Iterative wildcard match with one backtrack point (no regular expressions,
// so no pattern can make it slow).
export function matchPattern(value: string, pattern: string): boolean {
  let v = 0;
  let p = 0;
  let starP = -1;
  let starV = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      v += 1;
      p += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p;
      starV = v;
      p += 1;
    } else if (starP >= 0) {
      p = starP + 1;
      starV += 1;
      v = starV;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

// 1: a pattern matched and none was negated; -1: a negated one matched; 0: none matched.
export function matchPatternList(name: string, list: string): -1 | 0 | 1 {
  const value = name.toLowerCase();
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!matchPattern(value, pattern)) continue;
    if (negated) return -1;
    positive = true;
  }
  return positive ? 1 : 0;
}

// The hosts field of a known_hosts line: a hashed `|1|salt|hmac` name, or a pattern list.
export function matchHostField(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const want = Buffer.from(hash, 'base64');
    const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name.toLowerCase()).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  return matchPatternList(name, field) === 1;
}
