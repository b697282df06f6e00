// The YAML schema pirun reads files with: js-yaml's default (YAML 1.2) with
// one change. A plain number written with a leading zero (`0640`) or as
// YAML 1.2 octal (`0o640`) is kept as the text it was written as. Such
// numbers are file modes and umasks in practice, and neither reading is what
// the user meant: YAML 1.2 reads `0640` as 640 and `0o640` as 416, while
// Ansible's YAML 1.1 reads `0640` as 416. As text, "0640" and "0o640" reach
// the mode parser (modules/mode.ts) exactly as written.
import yaml from 'js-yaml';

const LEADING_ZERO = /^(?:0[0-9]+|0o[0-7]+)$/;

const leadingZeroNumber = new yaml.Type('tag:pirun.dev,2024:number-as-written', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && LEADING_ZERO.test(data),
  construct: (data: string) => data,
});

// A js-yaml schema's own types (its typings do not list them), ours before the integers.
type Tagged = yaml.Type & { tag: string };
function numbersAsWritten(schema: yaml.Schema): yaml.Schema {
  const base = schema as unknown as { implicit: Tagged[]; explicit: Tagged[] };
  const implicit = base.implicit.flatMap((t) => (t.tag === 'tag:yaml.org,2002:int' ? [leadingZeroNumber, t] : [t]));
  return new yaml.Schema({ implicit, explicit: base.explicit });
}

export const PIRUN_SCHEMA = numbersAsWritten(yaml.DEFAULT_SCHEMA);
// For `-e key=value` values: JSON types only (no dates), numbers as above.
export const PIRUN_JSON_SCHEMA = numbersAsWritten(yaml.JSON_SCHEMA);
