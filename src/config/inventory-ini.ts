// Ansible's INI inventory, read line by line as Ansible's own INI plugin does:
// `[group]` hosts with inline `key=value` vars, `[group:vars]`,
// `[group:children]`, hosts before any section are "ungrouped", `#` and `;`
// start comments. Values are typed as Ansible types them (Python literals:
// `2222` is a number, `True` a boolean, `[1, 2]` a list, anything else text).
import { split } from 'shlex';
import { errorMessage } from '../errors.js';
import { expandHostPattern } from './host-pattern.js';
import type { InventoryTree } from './inventory-tree.js';
import { varsSchema } from './inventory-schema.js';
import { pythonLiteral } from './python-literal.js';
import { issueText } from './yaml.js';

export class IniError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(detail);
  }
}

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  parents: string[];
}

// Throws IniError (with the line) for anything Ansible would refuse.
export function readIniInventory(text: string, tree: InventoryTree): void {
  let group = 'ungrouped';
  let state = 'hosts';
  const declared = new Set<string>(['all', 'ungrouped']);
  const pendingChildren = new Map<string, Pending>();
  const pendingVars = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const fail = (detail: string): never => {
      throw new IniError(lineNo, detail);
    };
    const section = SECTION.exec(line);
    if (section) {
      [group, state] = [section[1], section[2] ?? 'hosts'];
      if (!['hosts', 'children', 'vars'].includes(state)) fail(`section [${section[1]}:${state}] has unknown type "${state}" (expected hosts, children or vars)`);
      tree.group(group);
      if (state === 'vars') {
        if (!declared.has(group) && !pendingVars.has(group)) pendingVars.set(group, lineNo);
        return;
      }
      declared.add(group);
      pendingVars.delete(group);
      resolvePending(group, pendingChildren, tree);
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) fail(`invalid section "${line}": no spaces or other characters are allowed in a section name`);
    if (state === 'hosts') readHostLine(line, { group, tree, fail });
    else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`expected key=value, got "${line}"`);
      const vars = { [line.slice(0, eq).trim()]: typed(line.slice(eq + 1).trim()) };
      checkVars(vars, fail);
      Object.assign(tree.group(group).vars, vars);
    } else {
      const child = GROUP_NAME.exec(line)?.[1] ?? fail(`expected a group name, got "${line}"`);
      if (declared.has(child)) addChild(tree, group, child, fail);
      else {
        const p = pendingChildren.get(child) ?? { line: lineNo, parents: [] };
        p.parents.push(group);
        pendingChildren.set(child, p);
      }
    }
  });
  const [vars] = pendingVars;
  if (vars) throw new IniError(vars[1], `section [${vars[0]}:vars] is for group "${vars[0]}", which is not defined`);
  const [child] = pendingChildren;
  if (child) throw new IniError(child[1].line, `section [${child[1].parents.at(-1)}:children] includes group "${child[0]}", which is not defined`);
}

// A child group named before its own section joins its parents once declared.
function resolvePending(group: string, pending: Map<string, Pending>, tree: InventoryTree): void {
  const p = pending.get(group);
  if (!p) return;
  pending.delete(group);
  for (const parent of p.parents) {
    tree.addChild(parent, group);
    resolvePending(parent, pending, tree);
  }
}

function addChild(tree: InventoryTree, parent: string, child: string, fail: (m: string) => never): void {
  try {
    tree.addChild(parent, child);
  } catch (err) {
    fail(errorMessage(err));
  }
}

// `pi[01:03].local:2222 ansible_user=pi  # comment`
function readHostLine(line: string, at: { group: string; tree: InventoryTree; fail: (m: string) => never }): void {
  let tokens: string[] = [];
  try {
    tokens = split(withoutComment(line));
  } catch (err) {
    at.fail(`cannot read host line "${line}": ${errorMessage(err)}`);
  }
  if (tokens.length === 0) return;
  const [pattern, ...assignments] = tokens;
  if (pattern === '---') at.fail('"---" is not a host: is this a YAML file?');
  let parsed;
  try {
    parsed = expandHostPattern(pattern);
  } catch (err) {
    at.fail(`host "${pattern}": ${errorMessage(err)}`);
  }
  if (pattern.endsWith(':') && parsed!.port === undefined) at.fail(`host "${pattern}" ends in ":" (reserved for a port)`);
  const vars: Record<string, unknown> = {};
  for (const token of assignments) {
    const eq = token.indexOf('=');
    if (eq < 0) at.fail(`expected key=value after the host name, got "${token}"`);
    vars[token.slice(0, eq)] = typed(token.slice(eq + 1));
  }
  checkVars(vars, at.fail);
  for (const host of parsed!.names) Object.assign(at.tree.addHost(host, { group: at.group, port: parsed!.port }), vars);
}

// The connection settings must have the types pirun needs (a port is a number).
function checkVars(vars: Record<string, unknown>, fail: (m: string) => never): void {
  const r = varsSchema.safeParse(vars, { reportInput: true });
  if (!r.success) fail(issueText(r.error));
}

function typed(value: string): unknown {
  const literal = pythonLiteral(value);
  return literal.ok ? literal.value : value;
}

// Python's shlex with comments: an unquoted "#" ends the line, even inside a word.
function withoutComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '\\') i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}
