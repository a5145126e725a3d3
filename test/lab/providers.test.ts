// The lab's provider registry and `--provider`: every registered backend answers to its own name,
// and an unknown name is refused with the list of available ones (exit 2, like every usage error).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LAB_PROVIDERS, labProvider, labProviderNames } from '../../lab/providers/index.ts';

describe('lab providers registry', () => {
  it('each entry loads the provider of that name; alb is there', async () => {
    expect(labProviderNames()).toContain('alb');
    for (const [name, load] of Object.entries(LAB_PROVIDERS)) expect((await load!()).name).toBe(name);
  });

  it('an unknown name is refused with the available ones', async () => {
    await expect(labProvider('gcp')).rejects.toThrow(`lab: no provider "gcp"; available: ${labProviderNames().join(', ')}`);
  });

  it('npm start -- --provider gcp exits 2 naming the available providers, before anything starts', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'lab/main.ts', '--provider', 'gcp'], { input: '', encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`no lab provider "gcp"; available: ${labProviderNames().join(', ')}`);
    expect(r.stdout).not.toContain('rollout');
  });
});
