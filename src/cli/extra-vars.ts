// -e k=v and -e @file.yaml, merged left to right.
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { loadYamlFile } from '../config/yaml.js';
import { ConfigError } from '../errors.js';

export function parseExtraVars(items: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    if (item.startsWith('@')) {
      const v = loadYamlFile(resolve(item.slice(1)), 'extra vars file');
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`Invalid extra vars file "${item.slice(1)}": expected a mapping`, { file: item.slice(1) });
      Object.assign(out, v);
    } else if (item.trim().startsWith('{')) {
      Object.assign(out, yaml.load(item) as object);
    } else {
      const eq = item.indexOf('=');
      if (eq < 1) throw new ConfigError(`Invalid -e "${item}": expected key=value or @file.yaml`);
      const raw = item.slice(eq + 1);
      let value: unknown = raw;
      try {
        value = yaml.load(raw, { schema: yaml.JSON_SCHEMA }) ?? raw;
      } catch {
        value = raw;
      }
      out[item.slice(0, eq)] = value;
    }
  }
  return out;
}
