// modprobe: a kernel module loaded (with parameters) or unloaded, and
// optionally kept so across reboots (/etc/modules-load.d, /etc/modprobe.d).
import { z } from 'zod';
import { fileContentProbe, fileProbe } from '../facts/files.js';
import { kernelModuleProbe } from '../facts/info.js';
import { sh } from '../transport/quote.js';
import { planFile } from './file-plan.js';
import { defineModule, type Change } from './types.js';

const args = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a kernel module name').describe('Kernel module name'),
  state: z.enum(['present', 'absent']).default('present').describe('Loaded or not'),
  params: z.string().default('').describe('Module parameters ("numdummies=2")'),
  persistent: z.enum(['disabled', 'present', 'absent']).default('disabled').describe('present: load at boot (modules-load.d, options in modprobe.d); absent: remove those files'),
});

const loadFile = (n: string) => `/etc/modules-load.d/${n}.conf`;
const optionsFile = (n: string) => `/etc/modprobe.d/${n}.conf`;

export default defineModule({
  name: 'modprobe',
  description: 'Load or unload a kernel module, optionally at every boot',
  args,
  probes: (a) => [kernelModuleProbe(a.name), ...(a.persistent !== 'disabled' ? [fileProbe(loadFile(a.name)), fileProbe(optionsFile(a.name))] : [])],
  async plan(a, ctx) {
    const loaded = await ctx.fact(kernelModuleProbe(a.name));
    const changes: Change[] = [];
    const params = a.params.trim() ? a.params.trim().split(/\s+/) : [];
    if (a.state === 'present' && !loaded) {
      changes.push({ summary: `load kernel module ${a.name}`, op: 'kmod.load', risk: 'none', steps: [{ kind: 'exec', script: sh`modprobe -- ${a.name} ${params}` }], predicts: [{ key: kernelModuleProbe(a.name).key, value: true }] });
    }
    if (a.state === 'absent' && loaded) {
      changes.push({ summary: `unload kernel module ${a.name}`, op: 'kmod.unload', risk: 'none', steps: [{ kind: 'exec', script: sh`modprobe -r -- ${a.name}` }], predicts: [{ key: kernelModuleProbe(a.name).key, value: false }] });
    }
    if (a.persistent === 'present' && a.state === 'present') {
      changes.push(...(await planFile({ dest: loadFile(a.name), content: Buffer.from(`${a.name}\n`) }, ctx)));
      if (params.length) changes.push(...(await planFile({ dest: optionsFile(a.name), content: Buffer.from(`options ${a.name} ${params.join(' ')}\n`) }, ctx)));
    }
    if (a.persistent === 'absent' || (a.persistent === 'present' && a.state === 'absent')) {
      for (const path of [loadFile(a.name), optionsFile(a.name)]) {
        if (await ctx.fact(fileProbe(path))) {
          changes.push({ summary: `remove ${path}`, op: 'file.remove', risk: 'none', steps: [{ kind: 'exec', script: sh`rm -f -- ${path}`, actsOn: path }], predicts: [{ key: fileProbe(path).key, value: null }, { key: fileContentProbe(path).key, value: null }] });
        }
      }
    }
    return { changes };
  },
});
