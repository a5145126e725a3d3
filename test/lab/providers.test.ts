// The lab's provider registry and `--provider`: every registered backend answers to its own name,
// and an unknown name is refused with the list of available ones (exit 2, like every usage error).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listenLocal } from '../../lab/aws/local-server.ts';
import { runLoad } from '../../lab/traffic/loadgen.ts';
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

describe('load generator: resolve hook (for DNS layers)', () => {
  it('sends each request to the address the lookup gives, keeping the name in Host', async () => {
    const hosts: string[] = [];
    const server = createServer((req, res) => {
      hosts.push(String(req.headers.host));
      res.writeHead(200, { 'x-service': 'blue' }).end();
    });
    const listening = await listenLocal(server);
    const port = Number(new URL(listening.url).port);
    const lookups: string[] = [];
    try {
      const result = await runLoad({ url: 'http://api.lab.example/', requests: 3, ratePerSecond: 1000, concurrency: 1, resolve: async (name) => (lookups.push(name), { address: '127.0.0.1', port }) });
      expect(result.byService).toEqual({ blue: 3 });
      expect(lookups).toEqual(['api.lab.example', 'api.lab.example', 'api.lab.example']);
      expect(hosts).toEqual(['api.lab.example', 'api.lab.example', 'api.lab.example']);
    } finally {
      await listening.close();
    }
  });

  it('a failed lookup is a failed request that names the name', async () => {
    const result = await runLoad({ url: 'http://nowhere.lab.example/', requests: 1, ratePerSecond: 1000, resolve: async () => Promise.reject(new Error('NXDOMAIN')) });
    expect(result.failed).toBe(1);
    expect(result.outcomes[0]?.error).toBe('resolving nowhere.lab.example: NXDOMAIN');
  });
});
