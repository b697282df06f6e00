// cron: one job in a user's crontab (or a file in /etc/cron.d), found by its
// `#Ansible: NAME` comment as Ansible's cron module writes it, so a
// playbook moved from Ansible manages the same lines.
import { z } from 'zod';
import { fileContentProbe, fileProbe } from '../facts/files.js';
import { sh } from '../transport/quote.js';
import type { Probe } from '../facts/probe.js';
import { flagArg, modeArg, ownerArg, textArg } from './args.js';
import { planFile } from './file-plan.js';
import { defineModule, type PlanContext } from './types.js';

const field = textArg.default('*');
const args = z.strictObject({
  name: z.string().min(1).refine((n) => !n.includes('\n'), 'expected one line').describe('The job\'s name: its `#Ansible: NAME` comment'),
  job: z.string().refine((j) => !j.includes('\n'), 'expected one line').optional().describe('The command (alias: value)'),
  state: z.enum(['present', 'absent']).default('present').describe('Whether the job should be there'),
  minute: field.describe('Minute (default *)'),
  hour: field.describe('Hour (default *)'),
  day: field.describe('Day of the month (alias: dom)'),
  month: field.describe('Month'),
  weekday: field.describe('Day of the week (alias: dow)'),
  special_time: z.enum(['annually', 'daily', 'hourly', 'monthly', 'reboot', 'weekly', 'yearly']).optional().describe('@daily, @reboot, ... instead of the time fields'),
  disabled: flagArg.default(false).describe('Keep the job commented out'),
  user: ownerArg.optional().describe('Whose crontab (default: root with become, else the login user)'),
  cron_file: z.string().regex(/^[A-Za-z0-9_-]+$|^\/etc\/cron\.d\/[A-Za-z0-9_-]+$/, 'expected a file name in /etc/cron.d (letters, digits, _ and -)').optional().describe('A file in /etc/cron.d instead of a crontab'),
  mode: modeArg.optional().describe('With cron_file: its mode'),
  backup: flagArg.optional().describe('With cron_file: keep a copy of the old file'),
});
type Args = z.output<typeof args>;

export function crontabProbe(user: string): Probe<string | null> {
  return { key: `crontab:${user}`, become: true, script: sh`crontab -u ${user} -l`, parse: (out, code) => (code === 0 ? out : null) };
}

// The job line as Ansible renders it.
export function jobLine(a: Args, user?: string): string {
  const when = a.special_time ? `@${a.special_time}` : [a.minute, a.hour, a.day, a.month, a.weekday].join(' ');
  return `${a.disabled ? '#' : ''}${when}${user ? ` ${user}` : ''} ${a.job}`;
}

// The crontab text with the job added, replaced or removed.
export function editCrontab(text: string, a: Args, user?: string): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const comment = `#Ansible: ${a.name}`;
  const at = lines.indexOf(comment);
  if (a.state === 'absent') {
    if (at >= 0) lines.splice(at, at + 1 < lines.length ? 2 : 1);
  } else if (at >= 0) lines.splice(at, 2, comment, jobLine(a, user));
  else lines.push(comment, jobLine(a, user));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const cronFile = (f: string) => (f.startsWith('/') ? f : `/etc/cron.d/${f}`);
const whose = (a: Args, ctx: Pick<PlanContext, 'become' | 'host'>) => a.user ?? (ctx.become ? 'root' : ctx.host.user);

export default defineModule({
  name: 'cron',
  description: "Manage one job in a user's crontab or in /etc/cron.d, by its #Ansible: NAME comment",
  args,
  aliases: { value: 'job', dom: 'day', dow: 'weekday' },
  probes: (a, ctx) => (a.cron_file ? [fileProbe(cronFile(a.cron_file)), fileContentProbe(cronFile(a.cron_file))] : [crontabProbe(whose(a, ctx))]),
  async plan(a, ctx) {
    if (a.state === 'present' && !a.job) return { changes: [], failed: 'cron: state: present needs "job"' };
    const user = whose(a, ctx);
    if (a.cron_file) {
      const path = cronFile(a.cron_file);
      const fact = await ctx.fact(fileProbe(path));
      if (!fact && a.state === 'absent') return { changes: [] };
      const before = fact ? ((await ctx.fact(fileContentProbe(path)))?.toString('utf8') ?? '') : '';
      const after = editCrontab(before, a, a.user ?? 'root');
      if (fact && after === before) return { changes: [] };
      return { changes: await planFile({ dest: path, content: Buffer.from(after), mode: a.mode, backup: a.backup }, ctx) };
    }
    const probe = crontabProbe(user);
    const before = (await ctx.fact(probe)) ?? '';
    const after = editCrontab(before, a);
    if (after === before) return { changes: [] };
    const verb = a.state === 'absent' ? 'remove' : before.includes(`#Ansible: ${a.name}\n`) ? 'update' : 'add';
    return {
      changes: [
        {
          summary: `${verb} cron job "${a.name}" of ${user}`,
          op: 'cron.job',
          risk: 'none',
          steps: [{ kind: 'exec', script: sh`printf '%s' ${after} | crontab -u ${user} -`, label: `crontab -u ${user} -` }],
          diff: { path: `crontab of ${user}`, before, after },
          predicts: [{ key: probe.key, value: after }],
        },
      ],
    };
  },
});
