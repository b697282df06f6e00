// A role's meta/argument_specs.yaml (Ansible's format) as a zod schema, so a
// wrong variable fails before any host is touched.
import { z } from 'zod';

interface OptionSpec {
  type?: string;
  required?: boolean;
  choices?: unknown[];
  elements?: string;
  description?: string | string[];
  default?: unknown;
  no_log?: boolean;
}

function typeOf(t: string | undefined): z.ZodType {
  switch (t) {
    case 'str':
    case 'path':
      return z.string();
    case 'int':
      return z.number().int();
    case 'float':
      return z.number();
    case 'bool':
      return z.boolean();
    case 'list':
      return z.array(z.unknown());
    case 'dict':
      return z.record(z.string(), z.unknown());
    default:
      return z.unknown();
  }
}

function optionSchema(spec: OptionSpec): z.ZodType {
  let s: z.ZodType = typeOf(spec.type);
  if (spec.type === 'list' && spec.elements) s = z.array(typeOf(spec.elements));
  if (spec.choices) s = z.unknown().refine((v) => spec.choices!.includes(v), { message: `expected one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}` });
  const desc = Array.isArray(spec.description) ? spec.description.join(' ') : spec.description;
  if (desc) s = s.describe(desc);
  // null means "not set" as in YAML `key:`
  return spec.required ? s : s.nullable().optional();
}

export function argSpecSchema(doc: unknown): { schema: z.ZodType; secrets: string[] } | undefined {
  const main = (doc as { argument_specs?: { main?: { options?: Record<string, OptionSpec> } } })?.argument_specs?.main;
  if (!main?.options) return undefined;
  const shape: Record<string, z.ZodType> = {};
  const secrets: string[] = [];
  for (const [name, spec] of Object.entries(main.options)) {
    shape[name] = optionSchema(spec ?? {});
    if (spec?.no_log) secrets.push(name);
  }
  return { schema: z.looseObject(shape), secrets };
}
