// File modes as Ansible users write them: octal ("0640", 0640, 0o640, "640")
// or symbolic ("u=rw,g=r", "u+x,go-w"), and their resolution to the octal
// mode a path ends up with. Symbolic modes follow GNU chmod's rules
// (gnulib's modechange.c): each clause changes only the classes it names, so
// the result depends on the mode the path has (or is created with). A clause
// without u/g/o/a would depend on the host's umask, so it is refused.
// There is no maintained npm package for this; test/unit/mode.test.ts checks
// this one against the real chmod.

const CLAUSE = /^([ugoa]+)((?:[-+=](?:[ugo]|[rwxXst]*))+)$/;
const OCTAL = /^(?:0o)?0*([0-7]{1,4})$/;

export const MODE_HINT = 'expected an octal mode such as "0644" or a symbolic mode such as "u=rw,g=r,o=r"';

// A mode as written: normalised octal ("0640"), or symbolic text kept for
// resolve(). Returns null for anything else.
export function parseMode(value: string | number): string | null {
  if (typeof value === 'number') {
    // A number is read by its digits (`mode: 644` means 0644): YAML octal
    // literals (0644, 0o644) reach here as the strings they were written as.
    return Number.isInteger(value) && value >= 0 ? parseMode(String(value)) : null;
  }
  const s = value.trim();
  const octal = OCTAL.exec(s);
  if (octal) return octal[1].padStart(4, '0');
  return s.split(',').every((c) => CLAUSE.test(c)) ? s : null;
}

export function isSymbolic(mode: string): boolean {
  return !/^[0-7]{4}$/.test(mode);
}

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };
const CLASS: Record<string, number> = { u: 0o700, g: 0o070, o: 0o007 };
const PERM: Record<string, number> = { r: 0o444, w: 0o222, x: 0o111, s: 0o6000, t: 0o1000 };

// The octal mode (4 digits) a path with mode `base` gets from `mode`.
export function resolveMode(mode: string, base: string, opts: { dir?: boolean } = {}): string {
  if (!isSymbolic(mode)) return mode;
  let m = parseInt(base, 8) & 0o7777;
  for (const clause of mode.split(',')) {
    const [, who, ops] = CLAUSE.exec(clause) ?? [];
    if (!who) throw new Error(`Cannot read mode "${mode}": ${MODE_HINT}`);
    const affected = [...who].reduce((a, c) => a | WHO[c], 0);
    for (const [, op, perms] of ops.matchAll(/([-+=])([ugo]|[rwxXst]*)/g)) m = applyOp(m, { op, perms, affected, dir: !!opts.dir });
  }
  return m.toString(8).padStart(4, '0');
}

function applyOp(m: number, c: { op: string; perms: string; affected: number; dir: boolean }): number {
  let value: number;
  if (c.perms in CLASS) {
    // Copy a class's current bits to every class (then limited to the affected ones).
    const bits = m & CLASS[c.perms];
    const any = (mask: number) => (bits & mask ? mask : 0);
    value = any(0o444) | any(0o222) | any(0o111);
  } else {
    value = [...c.perms].reduce((v, p) => v | (PERM[p] ?? 0), 0);
    // X: execute only for a directory or a file some class can already execute.
    if (c.perms.includes('X') && (c.dir || m & 0o111)) value |= 0o111;
  }
  const mentioned = c.affected & (c.perms in CLASS ? CLASS[c.perms] : value);
  // chmod keeps a directory's setuid/setgid bits unless the clause names them.
  const omit = (c.dir ? 0o6000 : 0) & ~mentioned;
  value &= c.affected & ~omit;
  if (c.op === '+') return m | value;
  if (c.op === '-') return m & ~value;
  const preserved = ~c.affected | omit;
  return (m & preserved) | value;
}
