// Playbooks carry Python regular expressions (Ansible runs `re`). The common
// syntax is the same in JavaScript; this translates the parts that differ:
// named groups `(?P<name>…)`, `(?P=name)`, leading inline flags `(?i)`, and
// Python's replacement templates (`\1`, `\g<1>`, `\g<name>`).

export class RegExpSyntaxError extends Error {}

// A RegExp that behaves like Python's re.search on one line.
export function pyRegExp(source: string): RegExp {
  let flags = '';
  let body = source;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    for (const f of inline[1]) {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      else if (f !== 'a' && f !== 'u') throw new RegExpSyntaxError(`Cannot use the regular expression "${source}": inline flag "${f}" is not supported`);
    }
    body = body.slice(inline[0].length);
  }
  try {
    return new RegExp(translate(body), flags);
  } catch (err) {
    throw new RegExpSyntaxError(`Cannot use the regular expression "${source}": ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

// One pass, so an escaped backslash is never mistaken for the start of a construct.
function translate(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      const next = body[i + 1] ?? '';
      out += next === 'Z' ? '$' : next === 'A' ? '^' : `\\${next}`;
      i++;
      continue;
    }
    const named = /^\(\?P(<[A-Za-z_]\w*>|=[A-Za-z_]\w*\))/.exec(body.slice(i, i + 64));
    if (named) {
      out += named[1].startsWith('<') ? `(?${named[1]}` : `\\k<${named[1].slice(1, -1)}>`;
      i += named[0].length - 1;
      continue;
    }
    out += body[i];
  }
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

// Python's match.expand(): groups by number or name; a group that did not take part is empty.
export function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\\g<(\w+)>|\\(\d{1,2})|\\(.)/g, (whole, ref: string | undefined, num: string | undefined, ch: string | undefined) => {
    if (ref !== undefined) return (/^\d+$/.test(ref) ? m[Number(ref)] : m.groups?.[ref]) ?? '';
    if (num !== undefined) return m[Number(num)] ?? '';
    return ch !== undefined && ch in ESCAPES ? ESCAPES[ch] : whole;
  });
}
