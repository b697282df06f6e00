// Handlers that must not be lost. A change that notifies a handler is
// recorded on the host right after it is applied; the record is removed once
// the play's handlers have run. A run that fails or is interrupted in
// between leaves the record, and the next run of the play runs those
// handlers (and says why), so a host never keeps running an old config
// whose file says otherwise. In check mode a record is drift.
//
// Where: /var/lib/pirun/handlers/<play> when the play runs as root (become),
// else ~/.local/state/pirun/handlers/<play> of the login user. Handler names
// are not secret; the folder is root's or the user's own.
import { createHash } from 'node:crypto';
import type { Play } from '../config/types.js';
import type { Probe } from '../facts/probe.js';
import { sh } from '../transport/quote.js';
import type { HostContext } from './context.js';
import { sudo } from './sudo.js';

const DIR = `if [ "$(id -u)" = 0 ]; then d=/var/lib/pirun/handlers; else d="$HOME/.local/state/pirun/handlers"; fi`;

function recordName(play: Play): string {
  return createHash('sha256').update(play.name).digest('hex').slice(0, 16);
}

// Read with the prefetch batch: no round trip of its own.
export function pendingProbe(play: Play): Probe<string[]> {
  return {
    key: `pirun-handlers:${recordName(play)}`,
    script: `${DIR}; f="$d"/${sh`${recordName(play)}`}; [ -f "$f" ] && cat -- "$f"; true`,
    become: sudo({ kind: 'handler-record', play }),
    exact: true,
    parse: (out) => [...new Set(out.split('\n').map((l) => l.trim()).filter(Boolean))],
  };
}

// Appends the handler names to the record (one short execution, after the change).
export async function recordPending(ctx: HostContext, names: string[]): Promise<void> {
  const f = recordName(ctx.hv.play);
  const script = `${DIR}; umask 022; mkdir -p -- "$d" && printf '%s\\n' ${sh`${names}`} >>"$d"/${sh`${f}`}`;
  const r = await ctx.transport.exec(script, { become: sudo({ kind: 'handler-record', play: ctx.hv.play }), label: `record notified handlers: ${names.join(', ')}` });
  if (r.failed) ctx.bus.emit('warning', { host: ctx.host.name, message: `Cannot record the notified handlers (${names.join(', ')}) on the host: ${r.stderr.trim() || `exit ${r.exitCode}`}; if this run stops before they run, the next run will not know` });
}

// The play's handlers ran: nothing is pending any more.
export async function clearPending(ctx: HostContext): Promise<void> {
  const f = recordName(ctx.hv.play);
  await ctx.transport.exec(`${DIR}; rm -f -- "$d"/${sh`${f}`}`, { become: sudo({ kind: 'handler-record', play: ctx.hv.play }), label: 'clear the record of notified handlers' });
}
