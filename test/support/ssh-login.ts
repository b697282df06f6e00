// One fresh SSH login with ssh2, outside pirun, offering exactly one method:
// a password, keyboard-interactive with the password, or a private key.
// Resolves "ok" after running `true`, or the error message otherwise.
import ssh2 from 'ssh2';

export interface LoginOptions {
  user: string;
  password?: string;
  // Answer keyboard-interactive prompts with the password instead of using "password".
  keyboard?: boolean;
  privateKey?: Buffer;
  // Override ssh2's algorithm lists (e.g. to prove an algorithm is refused).
  algorithms?: ssh2.ConnectConfig['algorithms'];
}

export function sshLogin(port: number, o: LoginOptions): Promise<string> {
  return new Promise((done) => {
    const conn = new ssh2.Client();
    const finish = (msg: string) => {
      conn.end();
      done(msg);
    };
    const methods: ssh2.AuthenticationType[] = o.privateKey ? ['publickey'] : o.keyboard ? ['keyboard-interactive'] : ['password'];
    conn
      .on('ready', () => conn.exec('true', (err, stream) => (err ? finish(err.message) : stream.on('close', (code: number) => finish(code === 0 ? 'ok' : `exit ${code}`)).resume())))
      .on('keyboard-interactive', (_n, _i, _l, prompts, reply) => reply(prompts.map(() => o.password ?? '')))
      .on('error', (err) => finish(err.message))
      .connect({
        host: '127.0.0.1',
        port,
        username: o.user,
        readyTimeout: 20_000,
        algorithms: o.algorithms,
        authHandler: (remaining, _partial, next) => {
          const m = methods.shift();
          if (!m) return next(false as never);
          if (m === 'publickey') return next({ type: 'publickey', username: o.user, key: o.privateKey! });
          if (m === 'password') return next({ type: 'password', username: o.user, password: o.password ?? '' });
          return next({ type: 'keyboard-interactive', username: o.user, prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finishKb: (r: string[]) => void) => finishKb(prompts.map(() => o.password ?? '')) });
        },
      } as ssh2.ConnectConfig);
  });
}

// The controller's address as the host sees it: the client field of
// SSH_CONNECTION in a fresh login with the key (never a hard-coded address).
export function sshClientAddress(port: number, o: { user: string; privateKey: Buffer }): Promise<string> {
  return new Promise((done, fail) => {
    const conn = new ssh2.Client();
    conn
      .on('ready', () =>
        conn.exec('printenv SSH_CONNECTION', (err, stream) => {
          if (err) return fail(err);
          let out = '';
          stream.on('data', (d: Buffer) => (out += d.toString())).on('close', () => {
            conn.end();
            const client = out.trim().split(' ')[0];
            if (!client) fail(new Error(`no SSH_CONNECTION on port ${port}`));
            else done(client);
          });
        }),
      )
      .on('error', fail)
      .connect({ host: '127.0.0.1', port, username: o.user, privateKey: o.privateKey, readyTimeout: 20_000 });
  });
}
