// Argument types shared by the file-like modules, tolerant of the ways
// Ansible playbooks spell them: `mode: 0644` (see mode.ts), `create: yes` (YAML 1.2 reads it as a string), `line: {{ port }}`
// (a template that renders to a number).
import { z } from 'zod';
import { MODE_HINT, parseMode } from './mode.js';

// A file mode as users write it (modules/mode.ts): octal ("0644", 0644,
// 0o644, 644) normalised to four digits, or symbolic ("u=rw,g=r") kept as
// written and resolved against the path's mode when planning.
export const modeArg = z
  .unknown()
  .transform((v, ctx) => {
    const mode = typeof v === 'string' || typeof v === 'number' ? parseMode(v) : null;
    if (mode === null) ctx.addIssue({ code: 'custom', message: MODE_HINT, input: v });
    return mode ?? '';
  });

// Booleans as Ansible reads them (its playbooks are YAML 1.1, where
// `enabled: yes` is a boolean, and its modules then accept
// y/yes/on/1/true/t and their opposites, in any case, quoted or not). pirun
// reads YAML 1.2, where those are strings, so they are converted here, for
// module arguments and task and play keywords alike.
const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

export function toAnsibleBool(value: unknown): unknown {
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
  }
  if (value === 1) return true;
  if (value === 0) return false;
  return value;
}

// A boolean: true/false, or one of the words above; anything else is an error.
export const flagArg = z.preprocess(toAnsibleBool, z.boolean({ error: 'expected true or false (or yes/no)' }));

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
