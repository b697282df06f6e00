// The contract between modules and the engine. A module reads facts and
// returns the changes it would make; it never touches the host itself. The
// engine applies the changes, or in check mode stops before applying, so
// check mode and the real run share one code path. A task is "changed"
// exactly when its plan has changes.
import type { z } from 'zod';
import type { Probe } from '../facts/probe.js';
import type { ExecResult } from '../transport/types.js';

export interface HostInfo {
  name: string;
  address: string;
  port: number;
  user: string;
}

export interface PlanContext {
  host: HostInfo;
  become: boolean;
  // Reads a fact through the per-host cache (batched with other tasks' probes when prefetched).
  fact<T>(probe: Probe<T>): Promise<T>;
  // True when the fact's cached value is a check-mode prediction, not an observation.
  predicted(probe: Probe<unknown>): boolean;
  // All variables visible to the task (already merged by precedence).
  vars: Record<string, unknown>;
  // The task says it only reads (changed_when: false, check_mode: false):
  // a command may then answer from the batched probe (see facts/command.ts).
  readOnly: boolean;
  // Packages that an earlier task of this run installs (known in check mode before they exist).
  pendingPackages: Set<string>;
  // Folders where the task's `src` files and templates are looked up (role first).
  searchPaths: { files: string[]; templates: string[] };
  // Renders a template file on the controller with the task's variables.
  renderTemplate(path: string): string;
}

// A file the engine writes atomically: temp file in the same folder, mode and
// owner set, validated, then renamed over the old one.
export interface WriteStep {
  kind: 'write';
  path: string;
  content: Buffer;
  mode?: string;
  owner?: string;
  group?: string;
  // Command run on the candidate; `%s` is replaced by its path.
  validate?: string;
  backup?: boolean;
  // The file holds a secret: never shown in a diff or log.
  secret?: boolean;
}

export interface ExecStep {
  kind: 'exec';
  // A shell script built with `sh` from transport/quote.ts.
  script: string;
  // Shown in -v output and reports instead of the script when set.
  label?: string;
  // The path the script acts on by name (chmod, chown): the engine runs it
  // as whoever may act in that path's folder (engine/write-as.ts).
  actsOn?: string;
}

// The engine opens fresh SSH logins with the inventory's credentials until
// one works, then makes sure the run's own connection answers
// (engine/steps/login-check.ts). It changes nothing on the host: check mode
// only proves that the current connection answers.
export interface LoginCheckStep {
  kind: 'login-check';
  // Seconds to keep trying before failing.
  timeoutS: number;
  // Seconds to wait before the first try.
  delayS: number;
  // Seconds between tries.
  sleepS: number;
  // Seconds one login may take.
  connectTimeoutS: number;
}

// The engine reboots the host and reconnects until it has a new boot
// identity and systemd has finished booting (engine/steps/reboot.ts).
export interface RebootStep {
  kind: 'reboot';
  // Seconds to wait for the host to come back and finish booting.
  timeoutS: number;
  // Broadcast to logged-in users.
  msg: string;
  preDelayS: number;
  postDelayS: number;
}

// A plan is plain data: every step is one of these kinds, implemented by the engine.
export type Step = WriteStep | ExecStep | LoginCheckStep | RebootStep;

export interface FileDiff {
  path: string;
  before: string | null;
  after: string | null;
  secret?: boolean;
}

// What a change can break: SSH access (the engine applies it under the
// lockout guard), a running service, or nothing worth a guard.
export type ChangeRisk = 'access' | 'service' | 'none';

// What a change touches, for the engine's access rules (engine/access.ts).
// Write steps name their own path; exec steps name theirs here.
export interface ChangeTarget {
  paths?: string[];
  // The account a user change modifies.
  user?: string;
  // The systemd unit a service change acts on.
  unit?: string;
  // The SSH port a firewall change can close.
  port?: number;
}

// How the lockout guard protects a change: what it saves before the change
// and puts back when the fresh login fails (or the rollback timer fires, or
// the host boots with the change unconfirmed). The engine builds one from the
// change itself (engine/access.ts); a task can also give one (copy/template `guard:`).
export interface AccessGuard {
  // Files whose content, mode and owner are restored (absent files are removed again).
  files: string[];
  // Paths whose mode and owner only are restored (~/.ssh and the home for sshd's StrictModes).
  attrs?: string[];
  // Paths restored with everything below them (a removed ~/.ssh).
  trees?: string[];
  // Accounts whose passwd and shadow fields (uid, group, home, shell, groups,
  // password field, expiry) are put back one field at a time with usermod/chpasswd/chage.
  users?: string[];
  // Shell run after the restore on a running host (e.g. `systemctl reload ssh`,
  // `ufw reload`); not at boot, where the services start with the restored files.
  restore: string;
  // Shell run right after the change, before the fresh login, to put it into
  // effect (e.g. `sshd -t` and a reload); a failure restores at once.
  activate?: string;
  // What would lock the user out, for the failure message.
  risk: string;
}

export interface Change {
  // Short reason shown to the user: "install fail2ban", "set PasswordAuthentication no".
  // For people only: the engine never parses it.
  summary: string;
  // Machine-readable operation: 'file.write', 'file.mode', 'user.shell', 'ufw.enable', 'systemd.stop', ...
  op: string;
  // What the module knows the change risks; the engine's access rules may raise it to 'access'
  // from the paths, the account or the unit it touches (engine/access.ts).
  risk?: ChangeRisk;
  target?: ChangeTarget;
  steps: Step[];
  diff?: FileDiff;
  // An explicit guard (copy/template `guard:`), used instead of the engine's own.
  guard?: AccessGuard;
  // Facts as they will be after this change, recorded in check mode so later tasks plan against them.
  predicts?: { key: string; value: unknown }[];
  // Packages this change installs (so check mode knows their units and files will exist).
  installs?: string[];
}

export interface Plan {
  changes: Change[];
  // Values registered for later tasks (merged into the task's result).
  result?: Record<string, unknown>;
  // Variables set for the rest of the play on this host (set_fact).
  setFacts?: Record<string, unknown>;
  // The task failed while planning, e.g. an assertion or a missing unit.
  failed?: string;
  // The task did not apply (with the reason).
  skipped?: string;
  msg?: string;
  // Things the user should know although the task succeeded (e.g. pirun
  // opened more than was asked for): carried to the recap and the JSON report.
  warnings?: string[];
  // Run the plan's steps in check mode too (read-only commands such as `command` with check_mode: false).
  runInCheckMode?: boolean;
  // The real run fails with this before applying anything, but check mode
  // reports the changes: an earlier task of the run may remove the obstacle
  // (a group a package creates). The engine decides; modules never read
  // whether the run is a check.
  blocked?: string;
  // A read-only command already ran as a fact probe: its result, and the
  // probe's cache key (forgotten before a retry, so the retry runs it again).
  ran?: { result: ExecResult; key: string };
}

export interface Module<A = unknown> {
  name: string;
  description: string;
  args: z.ZodType<A>;
  // Ansible's other names for arguments (`dest` for `path`): renamed when the task loads.
  aliases?: Record<string, string>;
  // Arguments that are Jinja conditions (like `when`): the engine evaluates them to booleans.
  conditionArgs?: string[];
  // Facts the module will read, so the engine can batch several tasks' probes into one execution.
  probes?(args: A, ctx: Pick<PlanContext, 'host' | 'vars' | 'readOnly' | 'become'>): Probe<unknown>[];
  plan(args: A, ctx: PlanContext): Promise<Plan>;
  // Turns the step results into the registered result (e.g. stdout and rc of `command`).
  result?(args: A, results: ExecResult[]): Record<string, unknown>;
}

export function defineModule<A>(m: Module<A>): Module<A> {
  return m;
}
