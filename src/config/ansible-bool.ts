// Boolean task and play keywords read as Ansible reads them: the one
// reader of booleans is the modules' (modules/args.ts), so `become: yes` and
// `enabled: yes` mean the same.
import { flagArg } from '../modules/args.js';

export { toAnsibleBool } from '../modules/args.js';

// A boolean keyword: true/false, or one of Ansible's words (y/yes/on/1/true/t and their opposites).
export const ansibleBool = () => flagArg;

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
