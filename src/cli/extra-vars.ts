// -e k=v, -e '{k: v}' and -e @file.yaml, merged left to right. An error never
// quotes the value: it may be a password.
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { loadYamlFile } from '../config/yaml.js';
import { PIRUN_JSON_SCHEMA, PIRUN_SCHEMA } from '../config/yaml-schema.js';
import { ConfigError } from '../errors.js';

export function parseExtraVars(items: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [i, item] of items.entries()) {
    if (item.startsWith('@')) {
      const v = loadYamlFile(resolve(item.slice(1)), 'extra vars file');
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`Invalid extra vars file "${item.slice(1)}": expected a mapping`, { file: item.slice(1) });
      Object.assign(out, v);
    } else if (item.trim().startsWith('{')) {
      Object.assign(out, inlineMapping(item, i + 1));
    } else {
      const eq = item.indexOf('=');
      if (eq < 1) throw new ConfigError(`Invalid -e value #${i + 1}: expected key=value, {key: value} or @file.yaml`);
      const raw = item.slice(eq + 1);
      let value: unknown = raw;
      try {
        value = yaml.load(raw, { schema: PIRUN_JSON_SCHEMA }) ?? raw;
      } catch {
        value = raw;
      }
      out[item.slice(0, eq)] = value;
    }
  }
  return out;
}

// `-e '{a: 1, b: [2]}'`. The error names the -e by position and never quotes
// it: the value may hold a secret.
function inlineMapping(item: string, n: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = yaml.load(item, { schema: PIRUN_SCHEMA });
  } catch (err) {
    const e = err as { reason?: string; mark?: { line: number; column: number } };
    const at = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
    throw new ConfigError(`Invalid -e value #${n}: not valid YAML${at}: ${e.reason ?? 'cannot parse'}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`Invalid -e value #${n}: expected a mapping such as {key: value}`);
  return value as Record<string, unknown>;
}
