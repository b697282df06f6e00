// Booleans as Ansible reads a keyword that expects one: its playbooks are
// YAML 1.1, where `become: yes` and `gather_facts: no` are booleans, and
// Ansible then accepts y/yes/on/1/true/t and their opposites, in any case,
// quoted or not. pirun reads YAML 1.2 (where those are strings), so the
// keywords convert them here; anything else is still an error.
import { z } from 'zod';

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

// A boolean keyword: true/false, or one of the words above.
export const ansibleBool = () => z.preprocess(toAnsibleBool, z.boolean({ error: 'expected true or false (or yes/no)' }));

// The words YAML 1.1 itself reads as booleans (PyYAML's list, exact case).
// A condition written `changed_when: no` is false in Ansible; as text it
// would be an undefined variable "no". Expressions stay as written.
const YAML11_WORDS = /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/;

export function yaml11Bool(value: unknown): unknown {
  if (typeof value !== 'string' || !YAML11_WORDS.test(value)) return value;
  return /^(?:yes|on)$/i.test(value);
}

export function yaml11Condition(value: unknown): unknown {
  return Array.isArray(value) ? value.map(yaml11Bool) : yaml11Bool(value);
}
