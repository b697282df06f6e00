// Playbooks carry Python regular expressions (Ansible runs `re`), in
// lineinfile and in the regex_replace / regex_search filters: this is the one
// place that reads them. The common syntax is the same in JavaScript; this
// translates the parts that differ: named groups `(?P<name>…)`, `(?P=name)`,
// leading inline flags `(?i)`, `\A`, `\Z`, `$` (which also matches before a
// final newline), `{,n}`, `(?#…)` comments, and Python's replacement
// templates (`\1`, `\g<1>`, `\g<name>`).

export class RegExpSyntaxError extends Error {}

export interface PyFlags {
  ignorecase?: boolean;
  multiline?: boolean;
}

// A RegExp that behaves like Python's re.compile (searched with exec; add `g` to scan).
export function pyRegExp(source: string, opts: PyFlags & { global?: boolean } = {}): RegExp {
  let flags = `${opts.global ? 'g' : ''}${opts.ignorecase ? 'i' : ''}${opts.multiline ? 'm' : ''}`;
  let body = source;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    for (const f of inline[1]) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else if (f !== 'a' && f !== 'u') throw new RegExpSyntaxError(`Cannot use the regular expression "${source}": inline flag "${f}" is not supported`);
    }
    body = body.slice(inline[0].length);
  }
  try {
    return new RegExp(translate(body, flags.includes('m')), flags);
  } catch (err) {
    throw new RegExpSyntaxError(`Cannot use the regular expression "${source}": ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

const START = '(?<![\\s\\S])';
const END = '(?![\\s\\S])';

// One pass, so an escaped backslash is never mistaken for the start of a
// construct, and nothing inside a character class is rewritten.
function translate(body: string, multiline: boolean): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const next = body[i + 1] ?? '';
      out += !inClass && next === 'Z' ? END : !inClass && next === 'A' ? START : `\\${next}`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a member, as in Python.
      const lead = /^\[(\^?)(\]?)/.exec(body.slice(i))!;
      out += `[${lead[1]}${lead[2] ? '\\]' : ''}`;
      i += lead[0].length - 1;
      continue;
    }
    const rest = body.slice(i, i + 64);
    const named = /^\(\?P(<[A-Za-z_]\w*>|=[A-Za-z_]\w*\))/.exec(rest);
    if (named) {
      out += named[1].startsWith('<') ? `(?${named[1]}` : `\\k<${named[1].slice(1, -1)}>`;
      i += named[0].length - 1;
      continue;
    }
    const comment = /^\(\?#[^)]*\)/.exec(body.slice(i));
    if (comment) {
      i += comment[0].length - 1;
      continue;
    }
    if (c === '{' && /^\{,\d+\}/.test(rest)) {
      out += '{0';
      continue;
    }
    // Python's `$` without MULTILINE: the end, or before a newline at the end.
    out += c === '$' && !multiline ? `(?=\\n?${END})` : c;
  }
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', '\\': '\\' };

// Python's match.expand(): groups by number or name; a group that did not take part is empty.
export function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\\g<(\w+)>|\\(\d{1,2})|\\(.)/g, (whole, ref: string | undefined, num: string | undefined, ch: string | undefined) => {
    if (ref !== undefined) return (/^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref]) ?? '';
    if (num !== undefined) return m[Number(num)] ?? '';
    return ch !== undefined && ch in ESCAPES ? ESCAPES[ch] : whole;
  });
}

// Python's re.sub: every match (or the first `count`) replaced by the expanded template.
export function pySub(pattern: string, template: string, text: string, opts: PyFlags & { count?: number } = {}): string {
  const re = pyRegExp(pattern, { ...opts, global: true });
  let out = '';
  let last = 0;
  let n = 0;
  for (const m of text.matchAll(re)) {
    if (opts.count && n >= opts.count) break;
    out += text.slice(last, m.index) + expandTemplate(template, m as RegExpExecArray);
    last = m.index! + m[0].length;
    n++;
  }
  return out + text.slice(last);
}

// Python's re.search: the first match anywhere, or null.
export function pySearch(pattern: string, text: string, opts: PyFlags = {}): RegExpExecArray | null {
  return pyRegExp(pattern, opts).exec(text);
}
