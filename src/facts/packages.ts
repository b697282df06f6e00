// Package state is read once per run: every package dpkg knows, in one call.
import type { Probe } from './probe.js';

export interface PackageFact {
  installed: boolean;
  version: string;
}

export interface PackagesFact {
  packages: Map<string, PackageFact>;
  // Seconds since the package lists were last refreshed; null if never.
  listsAgeSeconds: number | null;
}

export const packagesProbe: Probe<PackagesFact> = {
  key: 'packages',
  script: `dpkg-query -W -f='\${db:Status-Abbrev}\\t\${Package}\\t\${Version}\\n'; now=$(date +%s); t=$(stat -c %Y /var/lib/apt/lists/partial /var/cache/apt/pkgcache.bin 2>/dev/null | sort -n | tail -1); l=$(ls /var/lib/apt/lists/ 2>/dev/null | grep -c _Packages); printf 'AGE\\t%s\\t%s\\n' "$((now - \${t:-0}))" "$l"`,
  parse: (out) => parsePackages(out),
};

export function parsePackages(out: string): PackagesFact {
  const packages = new Map<string, PackageFact>();
  let listsAgeSeconds: number | null = null;
  for (const line of out.split('\n')) {
    const [a, b, c] = line.split('\t');
    if (a === 'AGE') {
      listsAgeSeconds = Number(c) > 0 ? Number(b) : null;
      continue;
    }
    if (!b) continue;
    const name = b.split(':')[0];
    packages.set(name, { installed: a.trim().startsWith('ii') || a.trim().startsWith('hi'), version: c ?? '' });
  }
  return { packages, listsAgeSeconds };
}

// Packages an upgrade would touch, from apt's own simulation (no lock taken).
export function upgradableProbe(mode: 'upgrade' | 'full-upgrade'): Probe<string[]> {
  return {
    key: `upgradable:${mode}`,
    script: `apt-get -s -o Debug::NoLocking=1 ${mode} 2>/dev/null | awk '/^Inst /{print $2}'`,
    parse: (out) => out.split('\n').map((l) => l.trim()).filter(Boolean),
  };
}
