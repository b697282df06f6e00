// Argument types shared by the file-like modules, tolerant of the ways
// Ansible playbooks spell them: `mode: 0644` (js-yaml reads it as the number
// 644), `create: yes` (YAML 1.2 reads it as a string), `line: {{ port }}`
// (a template that renders to a number).
import { z } from 'zod';

// Octal digits, as a string with four digits ("0644"). A number is read by its
// digits: YAML 1.2 turns `0644` into 644, and that is what the user meant.
export function parseMode(mode: string | number): string {
  const digits = typeof mode === 'number' ? String(mode) : mode.replace(/^0o/, '');
  return digits.padStart(4, '0').slice(-4);
}

export const modeArg = z
  .union([z.string().regex(/^(0o)?[0-7]{3,4}$/, 'expected an octal mode such as "0644"'), z.number().int().refine((n) => /^[0-7]{3,4}$/.test(String(n)), 'expected an octal mode such as 0644')])
  .transform(parseMode);

const YES = /^(yes|true|on|1)$/i;
const NO = /^(no|false|off|0)$/i;

// A boolean, also spelled yes/no/true/false/on/off as a string.
export const flagArg = z.union([z.boolean(), z.string().regex(/^(yes|no|true|false|on|off|1|0)$/i, 'expected a boolean (true/false, yes/no)')]).transform((v) => (typeof v === 'boolean' ? v : YES.test(v) && !NO.test(v)));

// Text that a template may have rendered to a number or boolean.
export const textArg = z.union([z.string(), z.number(), z.boolean()]).transform(String);

// A list given as a YAML list or a comma-separated string ("sudo,adm").
export const nameListArg = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

// Owner and group by name: the file facts report names, so a numeric id would never compare equal.
export const ownerArg = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/, 'expected a user or group name');

// An absolute path on the host (a relative one would depend on sudo's working folder).
export const pathArg = z.string().regex(/^\//, 'expected an absolute path').refine((p) => !p.includes('\0') && !p.includes('\n'), 'expected a path without NUL or newline');
