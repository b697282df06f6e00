// Python-style methods and slices in templates (`d.items()`, `s.startswith('x')`,
// `x[0:2]`), as Jinja gives Ansible users. nunjucks' own Jinja compatibility
// layer brings slices and the dict/list methods; strings get their Python
// methods here, a slice of a string is a string, and a dictionary's own key
// wins over a method of the same name (`result.items` stays the data).
import nunjucks from 'nunjucks';
import { pySplit } from './filters-text.js';
import { isMapping } from './values.js';

type Runtime = { memberLookup: (obj: unknown, val: unknown, ...rest: unknown[]) => unknown };

const strip = (s: string, chars: unknown, ends: 'both' | 'start' | 'end'): string => {
  if (chars === undefined || chars === null) return ends === 'both' ? s.trim() : ends === 'start' ? s.trimStart() : s.trimEnd();
  const set = new Set(String(chars));
  let a = 0;
  let b = s.length;
  if (ends !== 'end') while (a < b && set.has(s[a])) a++;
  if (ends !== 'start') while (b > a && set.has(s[b - 1])) b--;
  return s.slice(a, b);
};

const prefixes = (p: unknown): string[] => (Array.isArray(p) ? p.map(String) : [String(p)]);

const STRING_METHODS: Record<string, (s: string, ...a: unknown[]) => unknown> = {
  startswith: (s, p) => prefixes(p).some((x) => s.startsWith(x)),
  endswith: (s, p) => prefixes(p).some((x) => s.endsWith(x)),
  split: (s, sep, max) => pySplit(s, sep, max),
  splitlines: (s) => s.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== ''),
  strip: (s, c) => strip(s, c, 'both'),
  lstrip: (s, c) => strip(s, c, 'start'),
  rstrip: (s, c) => strip(s, c, 'end'),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  title: (s) => s.toLowerCase().replace(/(^|[^A-Za-z])([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase()),
  replace: (s, old, neu, count) => {
    const parts = s.split(String(old));
    const n = count === undefined || Number(count) < 0 ? parts.length : Number(count) + 1;
    return parts.slice(0, n).join(String(neu)) + (n < parts.length ? String(old) + parts.slice(n).join(String(old)) : '');
  },
  join: (s, items) => (items as unknown[]).map(String).join(s),
  find: (s, sub) => s.indexOf(String(sub)),
  count: (s, sub) => s.split(String(sub)).length - 1,
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  format: (s, ...a) => {
    let i = 0;
    return s.replace(/\{(\d*)\}/g, (_, n: string) => String(a[n === '' ? i++ : Number(n)]));
  },
};

let installed = false;
export function installPython(): void {
  if (installed) return;
  installed = true;
  const runtime = (nunjucks as unknown as { runtime: Runtime }).runtime;
  const plain = runtime.memberLookup;
  nunjucks.installJinjaCompat();
  const compat = runtime.memberLookup;
  fixTestArguments();
  pythonStringLiterals();
  runtime.memberLookup = function (this: unknown, obj: unknown, val: unknown, ...rest: unknown[]) {
    if (typeof obj === 'string') {
      if (rest.length === 2) return (compat.call(this, obj, val, ...rest) as string[]).join('');
      const m = STRING_METHODS[String(val)];
      if (m) return (...a: unknown[]) => m(obj, ...a);
    }
    if (rest.length !== 2 && isMapping(obj) && Object.prototype.hasOwnProperty.call(obj, String(val))) return plain.call(this, obj, val, ...rest);
    return compat.call(this, obj, val, ...rest);
  };
}

type CompilerProto = {
  compileIs(node: IsNode, frame: unknown): void;
  _emit(s: string): void;
  compile(n: unknown, frame: unknown): void;
  _compileAggregate(n: unknown, frame: unknown, start?: string, end?: string): void;
};
type IsNode = { left: unknown; right: { name?: { value: string }; value?: string; args?: unknown } };

// nunjucks emits a test's arguments without commas between them, so a test
// with two arguments (`is version('2.0', '>=')`) does not compile; this is
// its own compileIs with the arguments joined as a call joins them.
function fixTestArguments(): void {
  const proto = (nunjucks as unknown as { compiler: { Compiler: { prototype: CompilerProto } } }).compiler.Compiler.prototype;
  proto.compileIs = function (this: CompilerProto, node: IsNode, frame: unknown) {
    const right = node.right.name ? node.right.name.value : node.right.value;
    this._emit(`env.getTest(${JSON.stringify(right)}).call(context, `);
    this.compile(node.left, frame);
    if (node.right.args) {
      this._emit(',');
      this._compileAggregate(node.right.args, frame);
    }
    this._emit(') === true');
  };
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

type Tokenizer = { forward(): void; current(): string; isFinished(): boolean; _parseString(d: string): string };

// Python string literals keep the backslash of an escape they do not know
// ('\d+' is a backslash and "d+"), so regular expressions in playbooks reach
// the regex filters as written; nunjucks drops it. The tokenizer class is
// reached through an instance, as nunjucks exports only its factory.
export function pythonStringLiterals(): void {
  const lexer = (nunjucks as unknown as { lexer: { lex(s: string): Tokenizer } }).lexer;
  const proto = Object.getPrototypeOf(lexer.lex('')) as Tokenizer;
  proto._parseString = function (this: Tokenizer, delimiter: string) {
    this.forward();
    let str = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      const cur = this.current();
      this.forward();
      if (cur !== '\\') {
        str += cur;
        continue;
      }
      const next = this.current();
      str += next in ESCAPES ? ESCAPES[next] : `\\${next}`;
      this.forward();
    }
    this.forward();
    return str;
  };
}
