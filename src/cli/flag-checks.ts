// Flag values checked before any host is touched: --serial sizes and the
// files that --json and --report will write at the end of the run.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';

// `2`, `25%`, or a ramp `1,5,25%`; every size above zero.
export function parseSerial(s: string | undefined): (number | string)[] | undefined {
  if (s === undefined) return undefined;
  const items = s.split(',').map((x) => x.trim());
  if (items.some((x) => !/^\d+%?$/.test(x) || parseInt(x, 10) < 1)) {
    throw new ConfigError(`Invalid --serial "${s}": expected a number, a percentage such as "25%", or a ramp such as "1,5,25%", each above 0`);
  }
  return items.map((x) => (x.endsWith('%') ? x : Number(x)));
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

// Fails now, with the reason, if the file could not be written at the end of the run.
export function checkWritable(file: string, flag: string): void {
  const fail = (detail: string): never => {
    throw new ConfigError(`Cannot write ${flag} "${file}": ${detail}`, { file });
  };
  try {
    if (statSync(file).isDirectory()) fail('is a directory');
    accessSync(file, constants.W_OK);
    return;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (code(err) === 'EACCES' || code(err) === 'EPERM') fail('permission denied');
    if (code(err) === 'ENOTDIR') fail(`"${dirname(file)}" is not a folder`);
    if (code(err) !== 'ENOENT') fail(code(err) ?? String(err));
  }
  const dir = dirname(file);
  try {
    if (!statSync(dir).isDirectory()) fail(`"${dir}" is not a folder`);
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (code(err) === 'ENOENT') fail(`folder "${dir}" does not exist`);
    if (code(err) === 'ENOTDIR') fail(`folder "${dir}" cannot be reached: part of its path is a file`);
    if (code(err) === 'EACCES' || code(err) === 'EPERM') fail(`folder "${dir}" is not writable`);
    fail(code(err) ?? String(err));
  }
}
