// Asks for a password once, without echo on a terminal; reads one line from
// stdin when it is not a terminal (scripts, tests).
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

let pipedLines: string[] | undefined;

async function readPipedLine(): Promise<string> {
  if (!pipedLines) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    pipedLines = Buffer.concat(chunks).toString('utf8').split('\n');
  }
  return pipedLines.shift() ?? '';
}

export async function promptSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) return readPipedLine();
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const answer = new Promise<string>((resolve) => rl.question(question, resolve));
  muted = true;
  const value = await answer;
  rl.close();
  process.stderr.write('\n');
  return value;
}
