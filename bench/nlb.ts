// NLB rollback tail: after the weights go back to 100% blue, how many requests green still answers
// (on connections opened before) and for how long, by how many requests each client connection carries.
// Loopback only: blue and green services, the lab NLB's TCP proxy, the load generator. Prints the table
// (one row per client setting and repetition) and reports the figures (bench/result.ts).
// Repetitions: BENCH_REPS (default 3; BENCH_QUICK=1: 1). Each row takes about 4.5 s.
import { createLabNlb } from '../lab/aws/lab-fleet.ts';
import { startLoad } from '../lab/traffic/loadgen.ts';
import { startServices } from '../lab/traffic/services.ts';
import { startTcpProxy } from '../lab/traffic/tcp-proxy.ts';
import { quick, repetitions, report, type Figure } from './result.ts';

const RATE = 200;
const CONCURRENCY = 32;
const BEFORE_MS = 1_500;
const AFTER_MS = 3_000;
const PER_CONNECTION = [1, 10, 100, undefined];
const REPS = repetitions(quick() ? 1 : 3);

const services = await startServices();
console.log(`rollback 50% → 0% green at ${RATE} req/s, ${CONCURRENCY} requests in flight at most; ${BEFORE_MS} ms at 50%, then ${AFTER_MS} ms watched`);
console.log('requests/connection      green answers after the restore  last one after  connections opened');
const figures: Figure[] = [];
for (const perConnection of PER_CONNECTION) {
  const label = perConnection ? String(perConnection) : 'unlimited (keep-alive)';
  const greenAfter: number[] = [];
  const lastAfterS: number[] = [];
  const openedCounts: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const lab = createLabNlb({ blue: Number(new URL(services.blue.url).port), green: Number(new URL(services.green.url).port) });
    const proxy = await startTcpProxy({ model: lab.model, listenerArn: lab.listenerArn, targets: { [lab.blueArn]: services.blue.url, [lab.greenArn]: services.green.url } });
    const set = (blue: number, green: number) =>
      lab.model.modifyListener(lab.listenerArn, { defaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: lab.blueArn, Weight: blue }, { TargetGroupArn: lab.greenArn, Weight: green }] } }] });
    set(1, 1);
    const load = startLoad({ url: proxy.url, ratePerSecond: RATE, durationMs: BEFORE_MS + AFTER_MS, concurrency: CONCURRENCY, ...(perConnection ? { requestsPerConnection: perConnection } : {}) });
    await new Promise((resolve) => setTimeout(resolve, BEFORE_MS));
    set(1, 0);
    const restoredAt = Date.now();
    const result = await load.done;
    const late = result.outcomes.filter((o) => o.service === 'green' && o.startedAt >= restoredAt);
    const lastS = late.length ? (Math.max(...late.map((o) => o.startedAt)) - restoredAt) / 1000 : undefined;
    const last = lastS === undefined ? 'n/a' : `${lastS.toFixed(2)} s`;
    const opened = Object.values(proxy.connections()).reduce((n, c) => n + c.opened, 0);
    greenAfter.push(late.length);
    lastAfterS.push(lastS ?? 0);
    openedCounts.push(opened);
    console.log(`${label.padEnd(24)} ${`${late.length} of ${result.outcomes.filter((o) => o.startedAt >= restoredAt).length}`.padEnd(32)} ${last.padEnd(15)} ${opened}`);
    await proxy.close();
  }
  figures.push(
    { name: `${label} requests/connection: green answers after the restore`, unit: 'requests', samples: greenAfter },
    { name: `${label} requests/connection: last green answer after the restore`, unit: 's', samples: lastAfterS },
    { name: `${label} requests/connection: connections opened`, unit: 'count', samples: openedCounts },
  );
}
await services.close();

report({
  bench: 'nlb',
  setup: `lab NLB (TCP proxy) rolled back 50% → 0% green at ${RATE} req/s, ≤ ${CONCURRENCY} in flight, ${BEFORE_MS} ms at 50% then ${AFTER_MS} ms watched; ${REPS} repetition(s) per client setting`,
  figures,
  notes: ['"last green answer after the restore" is 0 when green answered nothing after the restore (printed as n/a above)'],
});
