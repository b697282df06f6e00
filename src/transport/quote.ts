// The one place that quotes values for a POSIX shell. No remote command is
// built by concatenating user data: interpolate through `sh` or `quote`.

export function quote(value: string | number): string {
  const s = String(value);
  if (s === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// Tagged template: every interpolated value is quoted; arrays become
// space-separated quoted words. Use raw() for a fragment already safe.
export function sh(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return out;
}

export interface Raw {
  readonly raw: string;
}

export function raw(fragment: string): Raw {
  return { raw: fragment };
}

function render(v: unknown): string {
  if (v && typeof v === 'object' && 'raw' in v) return (v as Raw).raw;
  if (Array.isArray(v)) return v.map((x) => render(x)).join(' ');
  return quote(String(v));
}
