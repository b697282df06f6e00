// What each -i names: an INI or YAML file, a folder of them (read as Ansible
// reads one), or a comma list of hosts (`-i pi1.local,pi2.local`). Each file
// is read into the one inventory tree, in order.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ConfigError, errorMessage } from '../errors.js';
import { expandHostPattern } from './host-pattern.js';
import { IniError, readIniInventory } from './inventory-ini.js';
import type { InventoryTree } from './inventory-tree.js';
import { readYamlInventory } from './inventory-yaml.js';
import { loadYamlFile, parseYaml } from './yaml.js';

// Ansible skips these in an inventory folder: hidden files, the vars
// folders, and its INVENTORY_IGNORE_EXTS (note: ".ini" among them).
const IGNORED = /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;
const YAML_EXTS = ['.yaml', '.yml', '.json'];

// The files a source stands for; a folder is walked in name order.
export function inventoryFiles(source: string): string[] {
  if (!isDir(source)) return [source];
  return readdirSync(source)
    .sort()
    .filter((name) => !IGNORED.test(name))
    .flatMap((name) => inventoryFiles(join(source, name)));
}

export function isHostList(source: string): boolean {
  return source.includes(',') && !existsSync(source);
}

// `-i pi1.local,10.0.0.7:2222,`: ungrouped hosts, as Ansible's host_list.
export function readHostList(source: string, tree: InventoryTree): void {
  for (const item of source.split(',').map((s) => s.trim()).filter(Boolean)) {
    const { names, port } = expandHostPattern(item, { ranges: false });
    for (const name of names) tree.addHost(name, { group: 'ungrouped', port });
  }
}

// By extension as Ansible: .yaml/.yml/.json are YAML; a file without one is
// YAML when it reads as a YAML mapping and INI otherwise; any other is INI.
export function readInventoryFile(file: string, tree: InventoryTree): void {
  const ext = extname(file).toLowerCase();
  if (YAML_EXTS.includes(ext)) return readYamlInventory(loadYamlFile(file, 'inventory'), file, tree);
  if (ext === '.toml') throw new ConfigError(`Cannot read inventory "${file}": TOML inventories are not supported (use INI or YAML)`, { file });
  const text = readText(file);
  let yamlError: string | undefined;
  if (ext === '') {
    const yaml = tryYaml(text, file);
    if (yaml.mapping !== undefined) return readYamlInventory(yaml.mapping, file, tree);
    yamlError = yaml.error;
  }
  try {
    readIniInventory(text, tree);
  } catch (err) {
    if (!(err instanceof IniError)) throw err;
    const ini = `line ${err.line}: ${err.message}`;
    const message = yamlError ? `as YAML (${yamlError}) or as INI (${ini})` : ext === '' ? `(neither YAML nor INI): ${ini}` : `as INI: ${ini}`;
    throw new ConfigError(`Cannot parse inventory "${file}" ${message}`, { file });
  }
}

// A YAML mapping, or why the text is not YAML (nothing when it is YAML but no mapping).
function tryYaml(text: string, file: string): { mapping?: object; error?: string } {
  try {
    const data = parseYaml(text, { file, what: 'inventory' });
    return data !== null && typeof data === 'object' && !Array.isArray(data) ? { mapping: data } : {};
  } catch (err) {
    return { error: errorMessage(err).replace(/^Cannot parse inventory ".*?": /, '') };
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const detail = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
    throw new ConfigError(`Cannot read inventory "${file}": ${detail}`, { file });
  }
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
