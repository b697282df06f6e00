// Every flag pirun takes, with its help text (`pirun --help`).
import { Command, Option } from 'commander';
import { ConfigError } from '../errors.js';

export interface CliOptions {
  inventory: string[];
  check: boolean;
  diff: boolean;
  limit?: string;
  extraVars: string[];
  tags?: string;
  skipTags?: string;
  forks: number;
  serial?: string;
  privateKey?: string;
  askPass: boolean;
  askBecomePass: boolean;
  knownHosts?: string;
  acceptNewHostKeys: boolean;
  json?: string;
  report?: string;
  expectNoChanges: boolean;
  forceHandlers: boolean;
  verbose: number;
  timeout: number;
  color: boolean;
  progress?: 'auto' | 'listr' | 'plain';
  planOut?: string;
  // pirun apply only: refuse every host when one differs from the plan.
  allOrNothing?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];
// Repeatable and required: no default, so commander still reports a missing -i.
const many = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];
const count = (_v: string, prev: number) => prev + 1;
// A ConfigError passes through commander, so the message is pirun's one line.
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new ConfigError(`Invalid ${name} "${v}": expected a whole number above 0`);
  return n;
};

export function buildProgram(): Command {
  return new Command('pirun')
    .description('Harden and keep hardened a fleet of Raspberry Pis and Debian servers over SSH, agentless')
    .argument('<playbook>', 'playbook YAML file, e.g. playbooks/harden.yaml')
    .requiredOption('-i, --inventory <source>', 'inventory: an INI or YAML file, a folder of them, or a comma list of hosts; repeatable', many)
    .option('-C, --check', 'report what would change, change nothing', false)
    .option('-D, --diff', 'show a unified diff for every file change', false)
    .option('-l, --limit <pattern>', 'only these hosts: name, group, glob, ~regex, comma list, &group (and also in), !exclude')
    .option('-e, --extra-vars <k=v|@file>', 'extra variables (highest precedence); repeatable', collect, [])
    .option('-t, --tags <tags>', 'only run tasks with these tags (comma list)')
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma list)')
    .option('-f, --forks <n>', 'hosts worked on at once', int('--forks'), 20)
    .option('--serial <sizes>', 'rolling batches: a number, "25%", or a ramp "1,5,25%" (overrides the play)')
    .option('--private-key <file>', 'SSH private key to offer first')
    .option('-k, --ask-pass', 'prompt for the SSH login password (first run on a fresh Pi)', false)
    .option('-K, --ask-become-pass', 'prompt once for the sudo password, used on every host', false)
    .option('--known-hosts <file>', 'known_hosts file for host key checks (default ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', 'record the key of a host with no known_hosts entry (a changed, revoked or other-type key is never accepted)', false)
    .option('--json <file>', 'write the machine-readable report to a file, or - for stdout')
    .option('--report <file>', 'write a drift report: .json, .md or .xml (JUnit) by extension')
    .option('--force-handlers', 'run notified handlers even when a later task fails', false)
    .option('--plan-out <file>', 'with --check: save the plan (changes as data, fact fingerprints, no secrets) for `pirun apply`')
    .option('--expect-no-changes', 'exit non-zero (3) when any host would change or changed', false)
    .option('-v, --verbose', '-v: commands and output of failed steps; -vv: every remote command', count, 0)
    .option('--timeout <seconds>', 'SSH connect timeout', int('--timeout'), 10)
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'listr', 'plain']).default('auto'))
    .option('--no-color', 'no colours in output')
    .addHelpText(
      'after',
      `
Commands:
  pirun inventory -i SOURCE [--playbook-dir DIR] [--list]
                                 print hosts, groups and each host's merged variables
                                 (--list: as ansible-inventory --list prints them, JSON)
  pirun apply PLAN -i SOURCE     apply a saved plan (--plan-out) exactly; hosts that changed since are refused
  pirun show PLAN                print a saved plan as a check run shows it

Exit codes: 0 all well, 1 usage or configuration error, 2 a host failed,
3 changes found with --expect-no-changes, 4 a host was unreachable,
70 internal error (a bug in pirun: please report it), 130 interrupted (Ctrl-C).
Output closed early (pirun … | head): the run goes on and keeps its exit code.`,
    );
}

export interface InventoryOptions {
  inventory: string[];
  playbookDir?: string;
  limit?: string;
  list: boolean;
}

// `pirun inventory`: what pirun makes of the inventory, without connecting.
export function buildInventoryProgram(): Command {
  return new Command('pirun inventory')
    .description("Print the inventory's groups and each host's merged variables")
    .requiredOption('-i, --inventory <source>', 'inventory: an INI or YAML file, a folder of them, or a comma list of hosts; repeatable', many)
    .option('--playbook-dir <dir>', "also read group_vars/ and host_vars/ beside this playbook folder (as a run does)")
    .option('-l, --limit <pattern>', 'check that this host pattern matches')
    .option('--list', 'print JSON in the shape of ansible-inventory --list (secrets masked)', false);
}

// `pirun apply PLAN -i INV`: the connection and output flags of a run; what
// to run (playbook, limit, tags) comes from the plan.
export function buildApplyProgram(): Command {
  return new Command('pirun apply')
    .description('Apply a saved plan exactly: hosts whose facts or planned changes differ from the plan are refused, the others applied')
    .argument('<plan>', 'plan file written by `pirun PLAYBOOK --check --plan-out FILE`')
    .requiredOption('-i, --inventory <source>', 'inventory the plan was made with (the same sources); repeatable', many)
    .option('-e, --extra-vars <k=v|@file>', 'the extra variables the plan was made with; repeatable', collect, [])
    .option('--all-or-nothing', 'refuse every host when any host differs from the plan', false)
    .option('-D, --diff', 'show a unified diff for every file change', false)
    .option('-f, --forks <n>', 'hosts worked on at once', int('--forks'), 20)
    .option('--private-key <file>', 'SSH private key to offer first')
    .option('-k, --ask-pass', 'prompt for the SSH login password', false)
    .option('-K, --ask-become-pass', 'prompt once for the sudo password, used on every host', false)
    .option('--known-hosts <file>', 'known_hosts file for host key checks (default ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', 'record the key of a host with no known_hosts entry', false)
    .option('--json <file>', 'write the machine-readable report to a file, or - for stdout')
    .option('--force-handlers', 'run notified handlers even when a later task fails', false)
    .option('-v, --verbose', '-v: commands and output of failed steps; -vv: every remote command', count, 0)
    .option('--timeout <seconds>', 'SSH connect timeout', int('--timeout'), 10)
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'listr', 'plain']).default('auto'))
    .option('--no-color', 'no colours in output');
}
