// Python's ast.literal_eval, as Ansible's INI inventory applies it to every
// value (`port=2222` is a number, `ids=[1, 2]` a list, `v=True` a boolean,
// `name=pi` stays text). py-ast parses and evaluates; this file adds the few
// rules CPython has and py-ast does not (no leading-zero integers, single
// underscores in numbers, +/- only on numbers) and turns Python values into
// the JSON-like values the rest of pirun uses.
import { literalEval, parse, walk } from 'py-ast';

const DIGITS = String.raw`\d(?:_?\d)*`;
const EXPONENT = String.raw`[eE][+-]?${DIGITS}`;
const PY_NUMBER = new RegExp(
  '^(?:' +
    [
      String.raw`[1-9](?:_?\d)*`,
      String.raw`0(?:_?0)*`,
      String.raw`0[xX](?:_?[0-9a-fA-F])+`,
      String.raw`0[oO](?:_?[0-7])+`,
      String.raw`0[bB](?:_?[01])+`,
      String.raw`(?:(?:${DIGITS})?\.${DIGITS}|${DIGITS}\.)(?:${EXPONENT})?`,
      `${DIGITS}${EXPONENT}`,
    ].join('|') +
    ')$',
);

export type Literal = { ok: true; value: unknown } | { ok: false };

// `{ ok: false }` when the text is not a Python literal: Ansible keeps it as text.
export function pythonLiteral(text: string): Literal {
  const source = text.replace(/^[ \t]+/, '');
  try {
    const tree = parse(source);
    for (const node of walk(tree)) {
      if (node.nodeType === 'BinOp') return { ok: false }; // complex numbers only, in Python
      if (node.nodeType === 'UnaryOp' && !isNumber(node.operand)) return { ok: false }; // -1, not --1 or -True
      if (isNumber(node)) {
        const written = source.slice(node.col_offset, node.end_col_offset ?? undefined);
        if (!PY_NUMBER.test(written)) return { ok: false };
      }
    }
    return toPlain(literalEval(source));
  } catch {
    return { ok: false };
  }
}

function isNumber(node: { nodeType: string; value?: unknown }): boolean {
  return node.nodeType === 'Constant' && (typeof node.value === 'number' || typeof node.value === 'bigint');
}

function toPlain(value: unknown): Literal {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return { ok: true, value };
  if (typeof value === 'number') return Number.isFinite(value) ? { ok: true, value: value === 0 ? 0 : value } : { ok: false }; // -0 is 0 for an int
  if (typeof value === 'bigint') return { ok: true, value: Number(value) };
  const items = Array.isArray(value) ? value : value instanceof Set ? [...value] : undefined;
  if (items) {
    const out: unknown[] = [];
    for (const item of items) {
      const r = toPlain(item);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (value instanceof Map || (typeof value === 'object' && value.constructor === Object)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value instanceof Map ? value.entries() : Object.entries(value)) {
      const r = toPlain(v);
      if (!r.ok) return r;
      out[String(k)] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: false }; // complex numbers and other Python-only values
}
