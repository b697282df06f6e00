// The saved plan file (`--plan-out`, `pirun apply`, `pirun show`): a
// versioned, documented shape. docs/plan-schema.json is generated from it
// (`npm run plan-schema`) and a unit test keeps the two equal.
import { z } from 'zod';

export const PLAN_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/).describe('sha256, hex');

const step = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('write'),
      path: z.string().describe('File written atomically'),
      contentSha256: sha256.describe('sha256 of the content written (the content itself is never stored)'),
      mode: z.string().optional(),
      owner: z.string().optional(),
      group: z.string().optional(),
      validate: z.string().optional().describe('Command run on the candidate file; %s is its path'),
      backup: z.boolean().optional(),
      secret: z.boolean().optional().describe('The content is a secret (secret: true)'),
    }),
    z.strictObject({
      kind: z.literal('exec'),
      label: z.string().describe('What runs, as shown to people (secret values masked)'),
      scriptSha256: sha256.describe('sha256 of the script (random here-document markers normalised); the script is never stored, since its here-documents may carry secret values'),
      actsOn: z.string().optional(),
    }),
    z.strictObject({
      kind: z.literal('login-check'),
      timeoutS: z.number(),
      delayS: z.number(),
      sleepS: z.number(),
      connectTimeoutS: z.number(),
    }),
    z.strictObject({ kind: z.literal('reboot'), timeoutS: z.number(), msg: z.string(), preDelayS: z.number(), postDelayS: z.number() }),
    z.strictObject({ kind: z.literal('hidden'), sha256: sha256.describe('sha256 of the step of a no_log task, which shows nothing else') }),
  ])
  .describe('One step of a change, as data; the engine implements each kind');

const change = z.strictObject({
  op: z.string().describe("Machine-readable operation, e.g. 'file.write', 'ufw.enable', 'systemd.restart'"),
  risk: z.enum(['access', 'service', 'none']).optional().describe('What the change risks (the engine may still guard it from its paths)'),
  summary: z.string().describe('For people; secret values masked'),
  target: z
    .strictObject({ paths: z.array(z.string()).optional(), user: z.string().optional(), unit: z.string().optional(), port: z.number().optional() })
    .optional(),
  steps: z.array(step),
});

const task = z.strictObject({
  play: z.string(),
  role: z.string().optional(),
  task: z.string(),
  handler: z.boolean().optional(),
  status: z.enum(['ok', 'changed', 'failed', 'skipped', 'unreachable', 'unknown']),
  msg: z.string().optional(),
  noLog: z.boolean().optional(),
  changes: z.array(change),
});

const host = z.strictObject({
  ok: z.boolean().describe('The plan ran through on this host (no failed task, reachable)'),
  facts: z.record(z.string(), sha256).describe('Fact fingerprints: probe key -> sha256 of the value observed while planning'),
  tasks: z.array(task),
});

export const planFileSchema = z
  .strictObject({
    pirunPlan: z.literal(PLAN_VERSION).describe('Version of this file format'),
    createdAt: z.string().describe('When the plan was made (ISO 8601)'),
    playbook: z.strictObject({ path: z.string(), sha256 }).describe('The playbook planned, as given on the command line'),
    inventory: z
      .strictObject({ sources: z.array(z.string()).describe('The -i sources as given'), sha256: sha256.describe('sha256 of the inventory as loaded: hosts, groups and their variables') })
      .describe('The inventory planned with; apply must load the same'),
    extraVarsSha256: sha256.describe('sha256 of the -e variables (canonical JSON); apply must be given the same'),
    limit: z.string().optional(),
    tags: z.array(z.string()),
    skipTags: z.array(z.string()),
    hosts: z.record(z.string(), host),
  })
  .describe('A pirun saved plan: what `pirun PLAYBOOK --check --plan-out FILE` planned, for `pirun apply FILE`');

export type PlanFile = z.infer<typeof planFileSchema>;
export type PlanHost = z.infer<typeof host>;
export type PlanTask = z.infer<typeof task>;
export type PlanChange = z.infer<typeof change>;
export type PlanStep = z.infer<typeof step>;

export const planJsonSchema = () => z.toJSONSchema(planFileSchema, { target: 'draft-2020-12' });
