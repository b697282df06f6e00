// The module registry: every module a task may name.
import apt from './apt.js';
import authorizedKey from './authorized-key.js';
import { command, shell } from './command.js';
import copy from './copy.js';
import file from './file.js';
import lineinfile from './lineinfile.js';
import { assertModule, debug, meta, setFact } from './misc.js';
import { rebootModule, waitForConnection } from './connection.js';
import systemd from './systemd.js';
import ufw from './ufw.js';
import template from './template.js';
import type { Module } from './types.js';
import blockinfile from './blockinfile.js';
import { getent, packageFacts, serviceFacts, stat } from './info.js';
import modprobe from './modprobe.js';
import cron from './cron.js';
import find from './find.js';
import packageModule from './package.js';
import replace from './replace.js';
import user from './user.js';
import wireguard from './wireguard.js';

const registry = new Map<string, Module<any>>();

export function registerModule(m: Module<any>, ...aliases: string[]): void {
  for (const name of [m.name, ...aliases]) registry.set(name, m);
}

[apt, command, shell, copy, template, debug, setFact, assertModule].forEach((m) => registerModule(m));
[file, lineinfile, authorizedKey, user].forEach((m) => registerModule(m));
registerModule(systemd, 'service', 'systemd_service');
registerModule(ufw, 'community.general.ufw');
registerModule(wireguard);
registerModule(waitForConnection);
registerModule(rebootModule);
[packageModule, replace, blockinfile, stat, packageFacts, serviceFacts, getent].forEach((m) => registerModule(m));
registerModule(modprobe, 'community.general.modprobe');
registerModule(meta);
[cron, find].forEach((m) => registerModule(m));

export function getModule(name: string): Module<any> | undefined {
  return registry.get(name);
}

export function moduleNames(): string[] {
  return [...new Set([...registry.values()].map((m) => m.name))].sort();
}
