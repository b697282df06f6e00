// The unattended role's origins come from the archives `apt-cache policy`
// lists: rendered here for Debian 12, Raspberry Pi OS 64-bit (Debian plus the
// Raspberry Pi Foundation archive) and 32-bit (Raspbian plus the Foundation),
// since the test fleet only has Debian's archives.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { renderFile } from '../../src/engine/template.js';

const ROLE = join(dirname(fileURLToPath(import.meta.url)), '../../roles/unattended');
const TEMPLATE = readFileSync(join(ROLE, 'templates/52pirun-unattended-upgrades.j2'), 'utf8');
const DEFAULTS = yaml.load(readFileSync(join(ROLE, 'defaults/main.yaml'), 'utf8')) as Record<string, unknown>;

const release = (fields: string) => ` 500 http://example/ bookworm/main Packages\n     release ${fields}\n`;
const POLICY = {
  debian: release('v=12,o=Debian,a=oldstable-security,n=bookworm-security,l=Debian-Security,c=main,b=amd64') + release('v=12.9,o=Debian,a=oldstable,n=bookworm,l=Debian,c=main,b=amd64'),
  pi64: release('v=12,o=Debian,a=oldstable-security,n=bookworm-security,l=Debian-Security,c=main,b=arm64') + release('o=Raspberry Pi Foundation,a=stable,n=bookworm,l=Raspberry Pi Foundation,c=main,b=arm64'),
  pi32: release('o=Raspbian,a=stable,n=bookworm,l=Raspbian,c=main,b=armhf') + release('o=Raspberry Pi Foundation,a=stable,n=bookworm,l=Raspberry Pi Foundation,c=main,b=armhf'),
};

function render(osId: string, policy: string, vars: Record<string, unknown> = {}): string {
  return renderFile(TEMPLATE, { ...DEFAULTS, facts: { os: { id: osId } }, unattended_apt_policy: { stdout: policy }, ...vars });
}

const origins = (text: string) => [...text.matchAll(/^ {8}"(.*)";$/gm)].map((m) => m[1]);

describe('unattended origins', () => {
  it('Debian 12: the security archive only, after clearing the package defaults', () => {
    const text = render('debian', POLICY.debian);
    expect(text).toContain('#clear Unattended-Upgrade::Origins-Pattern;\nUnattended-Upgrade::Origins-Pattern {\n');
    expect(origins(text)).toEqual(['origin=Debian,codename=${distro_codename}-security,label=Debian-Security']);
  });

  it('Raspberry Pi OS 64-bit: Debian security plus the Raspberry Pi Foundation archive', () => {
    expect(origins(render('debian', POLICY.pi64))).toEqual([
      'origin=Debian,codename=${distro_codename}-security,label=Debian-Security',
      'origin=Raspberry Pi Foundation,codename=${distro_codename},label=Raspberry Pi Foundation',
    ]);
  });

  it('Raspberry Pi OS 32-bit: Raspbian (no separate security suite) plus the Foundation archive', () => {
    expect(origins(render('raspbian', POLICY.pi32))).toEqual([
      'origin=Raspbian,codename=${distro_codename},label=Raspbian',
      'origin=Raspberry Pi Foundation,codename=${distro_codename},label=Raspberry Pi Foundation',
    ]);
  });

  it('adds extra origins after the detected ones', () => {
    const text = render('debian', POLICY.debian, { unattended_extra_origins: ['origin=Debian,codename=${distro_codename}-updates'] });
    expect(origins(text)).toEqual(['origin=Debian,codename=${distro_codename}-security,label=Debian-Security', 'origin=Debian,codename=${distro_codename}-updates']);
  });

  it('writes reboot, cleanup and mail settings from the variables', () => {
    expect(render('debian', POLICY.debian)).toMatch(/Automatic-Reboot "true";\n.*Automatic-Reboot-Time "03:00";\n.*Remove-Unused-Dependencies "true";\n$/);
    expect(render('debian', POLICY.debian)).not.toContain('Mail');
    const text = render('debian', POLICY.debian, { unattended_automatic_reboot: false, unattended_mail: 'ops@example.org', unattended_mail_report: 'only-on-error' });
    expect(text).toContain('Unattended-Upgrade::Automatic-Reboot "false";');
    expect(text).toContain('Unattended-Upgrade::Mail "ops@example.org";\nUnattended-Upgrade::MailReport "only-on-error";\n');
  });
});
