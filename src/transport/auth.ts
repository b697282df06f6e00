// Authentication order: the configured keys first (so MaxAuthTries is not
// used up by an agent's other keys), then the agent, then the password.
import type { AuthenticationType } from 'ssh2';
import type { Credentials } from './types.js';

type AuthMethod = Record<string, unknown> & { type: AuthenticationType };

export function authMethods(user: string, creds: Credentials): AuthMethod[] {
  const methods: AuthMethod[] = [];
  for (const k of creds.keys) {
    methods.push({ type: 'publickey', username: user, key: k.data, passphrase: k.passphrase });
  }
  if (creds.agent) methods.push({ type: 'agent', username: user, agent: creds.agent });
  if (creds.password !== undefined) {
    methods.push({ type: 'password', username: user, password: creds.password });
    methods.push({
      type: 'keyboard-interactive',
      username: user,
      prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finish: (r: string[]) => void) =>
        finish(prompts.map(() => creds.password as string)),
    });
  }
  return methods;
}
