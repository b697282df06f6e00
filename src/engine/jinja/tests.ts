// Ansible's Jinja tests: version comparison, task results (changed, failed,
// succeeded, skipped), Python regular expressions (match, search, regex),
// and the comparison names selectattr uses ('==', '>=', 'in', ...).
import { byName, equal, isMapping, toList, truthy } from './values.js';
import { pyRegex } from './filters-text.js';

type Test = (value: unknown, ...args: unknown[]) => boolean;

// distutils' LooseVersion: runs of digits compare as numbers, other runs as text.
function loose(v: string): (number | string)[] {
  return (String(v).match(/\d+|[a-z]+|[^\d\sa-z.]+/gi) ?? []).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

// distutils' StrictVersion: N.N[.N] with an optional aN / bN pre-release.
function strict(v: string): (number | string)[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$/.exec(String(v));
  if (!m) throw new Error(`Version comparison failed: invalid version number "${v}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), m[4] ? m[4] : 'z', m[5] ? Number(m[5]) : 0];
}

// Semantic versions: MAJOR.MINOR.PATCH[-pre][+build]; a pre-release sorts before its release.
function semver(v: string): (number | string)[] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(String(v));
  if (!m) throw new Error(`Version comparison failed: invalid semantic version "${v}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? '~' : `!${m[4]}`];
}

function compareParts(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    // Python 3 cannot order a number against text; Ansible reports it. A number sorts first here.
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

const OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0, lt: (c) => c < 0,
  '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0,
  '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0,
  '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

const version: Test = (value, ...args) => {
  const [other, op = 'eq', isStrict, versionType] = byName(['version', 'operator', 'strict', 'version_type'], args, 'version');
  const cmp = OPS[String(op)];
  if (!cmp) throw new Error(`version: invalid operator "${op}" (one of ${Object.keys(OPS).join(' ')})`);
  if (other === undefined || other === null || other === '') throw new Error('version: a version to compare with is required');
  const type = versionType ?? (truthy(isStrict) ? 'strict' : 'loose');
  const parse = type === 'strict' ? strict : type === 'semver' || type === 'semantic' ? semver : type === 'loose' ? loose : undefined;
  if (!parse) throw new Error(`version: version_type "${type}" is not supported (loose, strict, semver)`);
  return cmp(compareParts(parse(String(value)), parse(String(other))));
};

function result(name: string, read: (r: Record<string, unknown>) => boolean): Test {
  return (value) => {
    if (!isMapping(value)) throw new Error(`The "${name}" test expects a task result (a dictionary), got ${JSON.stringify(value)}`);
    return read(value);
  };
}
const failed = (r: Record<string, unknown>) => truthy(r.failed);

function regex(kind: 'match' | 'search' | 'fullmatch'): Test {
  return (value, ...args) => {
    const [pattern, ignorecase, multiline] = byName(['pattern', 'ignorecase', 'multiline'], args, kind);
    const re = pyRegex(kind === 'search' ? String(pattern) : kind === 'match' ? `^(?:${pattern})` : `^(?:${pattern})$`, { ignorecase, multiline: kind === 'search' ? multiline : false });
    return re.test(String(value));
  };
}

const contains = (seq: unknown, x: unknown): boolean => (typeof seq === 'string' ? seq.includes(String(x)) : toList(seq ?? [], 'in').some((y) => equal(x, y)));

export const ansibleTests: Record<string, Test> = {
  version,
  version_compare: version,
  changed: result('changed', (r) => truthy(r.changed)),
  change: result('changed', (r) => truthy(r.changed)),
  failed: result('failed', failed),
  failure: result('failed', failed),
  succeeded: result('succeeded', (r) => !failed(r)),
  success: result('succeeded', (r) => !failed(r)),
  successful: result('succeeded', (r) => !failed(r)),
  skipped: result('skipped', (r) => truthy(r.skipped)),
  skip: result('skipped', (r) => truthy(r.skipped)),
  finished: result('finished', (r) => !truthy(r.started) || truthy(r.finished)),
  match: regex('match'),
  search: regex('search'),
  regex: (value, ...args) => {
    const [pattern, ignorecase, multiline, matchType = 'search'] = byName(['pattern', 'ignorecase', 'multiline', 'match_type'], args, 'regex');
    return (ansibleTests[String(matchType)] ?? regex('search'))(value, pattern, ignorecase, multiline);
  },
  contains: (seq, x) => contains(seq, x),
  in: (x, seq) => contains(seq, x),
  subset: (a, b) => toList(a, 'subset').every((x) => contains(b, x)),
  superset: (a, b) => toList(b, 'superset').every((x) => contains(a, x)),
  none: (v) => v === null || v === undefined,
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string',
  mapping: (v) => isMapping(v),
  equalto: (a, b) => equal(a, b),
  eq: (a, b) => equal(a, b),
  '==': (a, b) => equal(a, b),
  ne: (a, b) => !equal(a, b),
  '!=': (a, b) => !equal(a, b),
  '<': (a, b) => (a as number) < (b as number),
  '<=': (a, b) => (a as number) <= (b as number),
  '>': (a, b) => (a as number) > (b as number),
  '>=': (a, b) => (a as number) >= (b as number),
};
