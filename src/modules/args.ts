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
