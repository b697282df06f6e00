// Reads YAML config files (inventory, playbooks, vars) and turns read, parse
// and validation failures into one line naming the file, the place inside it
// and the offending value. Shared by every config loader.
import { readFileSync } from 'node:fs';
import { load, YAMLException } from 'js-yaml';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../errors.js';
import { PIRUN_SCHEMA } from './yaml-schema.js';

type Issue = z.core.$ZodIssue;
type Key = PropertyKey;

export interface FileRef {
  file: string; // as the user named it, for messages
  what: string; // "inventory", "playbook", "group vars"...
}

// A missing file or a syntax error is the user's mistake: one line, no stack.
export function loadYamlFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const detail = READ_ERRORS[code ?? ''] ?? errorMessage(err);
    throw new ConfigError(`Cannot read ${what} "${path}": ${detail}`, { file: path });
  }
  return parseYaml(text, { file: path, what });
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'file not found',
  EISDIR: 'is a directory, expected a file',
  EACCES: 'permission denied',
};

// js-yaml's marks are 0-based; editors count from 1.
export function parseYaml(text: string, ref: FileRef): unknown {
  try {
    return load(text, { filename: ref.file, schema: PIRUN_SCHEMA });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const at = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : '';
    const reason = (err.reason || err.message).split('\n')[0];
    throw new ConfigError(`Cannot parse ${ref.what} "${ref.file}": ${at}${reason}`, { file: ref.file });
  }
}

// Validates with the input kept on each issue, so the message can quote it.
export function validate<S extends z.ZodType>(schema: S, data: unknown, ref: FileRef): z.output<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) throw zodError(ref.file, ref.what, result.error);
  return result.data;
}

// The first issue is enough: fixing one mistake at a time reads better than a wall.
export function zodError(file: string, what: string, error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  const { path } = explainIssue(issue);
  return new ConfigError(formatZodIssue(file, issue, { what }), { file, path: formatPath(path) || undefined });
}

// `Invalid inventory "inv.yaml": all.hosts.pi1.port: expected a number, got "abc"`
export function formatZodIssue(file: string, issue: Issue, opts: { what?: string } = {}): string {
  const { path, detail } = explainIssue(issue);
  const where = path.length > 0 ? `${formatPath(path)}: ` : '';
  return `Invalid ${opts.what ?? 'file'} "${file}": ${where}${detail}`;
}

// `ansible_port: expected a number, got "abc"`: the first issue, without the file.
export function issueText(error: z.ZodError): string {
  const { path, detail } = explainIssue(error.issues[0]);
  return path.length > 0 ? `${formatPath(path)}: ${detail}` : detail;
}

// `all.hosts["pi1.local"].port`, `plays[0].tasks[2].name`
export function formatPath(path: readonly Key[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][\w-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

// How a value reads in a message: strings quoted, containers by kind.
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const short = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(short);
  }
  return String(value);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  tuple: 'a list',
  set: 'a list',
  null: 'an empty value',
  undefined: 'nothing',
  date: 'a date',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? `a ${expected}`;
}

interface Explained {
  path: Key[];
  detail: string;
}

// Issue codes as zod 4 defines them; anything unforeseen falls back to zod's text.
function explainIssue(issue: Issue): Explained {
  const path = [...issue.path];
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      return { path, detail: `expected ${typeName(issue.expected)}, got ${got}` };
    case 'too_small':
    case 'too_big':
      return { path, detail: `${sizeRule(issue)}, got ${sizeOf(issue.input)}` };
    case 'invalid_value': {
      const values = issue.values.map((v) => describeValue(v));
      const expected = values.length === 1 ? values[0] : `one of ${values.join(', ')}`;
      return { path, detail: `expected ${expected}, got ${got}` };
    }
    case 'invalid_format': {
      const pattern = 'pattern' in issue && issue.pattern ? ` matching /${issue.pattern}/` : '';
      const expected = issue.format === 'regex' ? `a string${pattern}` : `a valid ${issue.format}`;
      return { path, detail: `expected ${expected}, got ${got}` };
    }
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return { path, detail: `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}` };
    }
    case 'invalid_union':
      return explainUnion(issue, path);
    case 'invalid_key':
    case 'invalid_element': {
      const inner = issue.issues[0] ? explainIssue(issue.issues[0]) : undefined;
      const key = issue.code === 'invalid_element' ? [issue.key as Key] : [];
      return { path: [...path, ...key], detail: inner ? `invalid key: ${inner.detail}` : lowerFirst(issue.message) };
    }
    default:
      return { path, detail: lowerFirst(issue.message) };
  }
}

// Prefer the branch that got furthest into the value: it is the one the user meant.
function explainUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: Key[]): Explained {
  const firsts = issue.errors.map((branch) => branch[0]).filter((i): i is Issue => i !== undefined);
  const deepest = firsts.reduce<Issue | undefined>((best, i) => (!best || i.path.length > best.path.length ? i : best), undefined);
  if (deepest && deepest.path.length > 0) {
    const inner = explainIssue(deepest);
    return { path: [...path, ...inner.path], detail: inner.detail };
  }
  const types = firsts.filter((i) => i.code === 'invalid_type').map((i) => typeName((i as { expected: string }).expected));
  const got = describeValue(issue.input);
  if (types.length === firsts.length && types.length > 0) {
    return { path, detail: `expected ${[...new Set(types)].join(' or ')}, got ${got}` };
  }
  return { path, detail: `does not match any allowed form, got ${got}` };
}

function sizeRule(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum);
  const op = small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
  if (issue.origin === 'string') return small && limit === 1 ? 'expected a non-empty string' : `expected ${op} ${limit} characters`;
  if (issue.origin === 'array' || issue.origin === 'set') return `expected ${op} ${limit} items`;
  return `expected a number ${op} ${limit}`;
}

function sizeOf(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
  return describeValue(value);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
