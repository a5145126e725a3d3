// The lab's providers, one line each: `npm start -- --provider <name>`. Loaded on demand, so the
// lab's --help and usage errors answer without starting to load any backend.
import type { LabProvider, LabProviderName } from './provider.ts';

export const LAB_PROVIDERS: Partial<Record<LabProviderName, () => Promise<LabProvider>>> = {
  alb: async () => (await import('./alb.ts')).albLab,
};

/** Names `--provider` accepts. */
export const labProviderNames = (): string[] => Object.keys(LAB_PROVIDERS);

/** The registered provider of that name; the error lists the available ones. */
export async function labProvider(name: string): Promise<LabProvider> {
  const load = (LAB_PROVIDERS as Record<string, (() => Promise<LabProvider>) | undefined>)[name];
  if (!load) throw new Error(`lab: no provider "${name}"; available: ${labProviderNames().join(', ')}`);
  return load();
}
