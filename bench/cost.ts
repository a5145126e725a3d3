// What a rollout costs in Step Functions terms, from plan.ts's own constants (the figures
// `canary-switch plan` prints): state transitions, history events and the Standard-workflow price of
// the default input and of a longer one. Computed, not measured: one sample each.
// Run: npx tsx bench/cost.ts
import { validateInput, type RolloutInputRaw } from '../lambdas/domain/input.ts';
import { buildPlan, PRICE_PER_TRANSITION_USD } from '../lambdas/domain/plan.ts';
import { report, type Figure } from './result.ts';

const TARGET = {
  listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
  stable: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067',
  canary: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/2453ed029918f21f',
};
const ROLLOUTS_PER_MONTH = 100;

const INPUTS: [string, RolloutInputRaw][] = [
  ['default input (steps 1 → 10 → 20 → 50 → 100, bake 600 s, poll 30 s)', { target: TARGET }],
  [
    'six steps from 0.1%, two approval gates (bake 600 s, poll 30 s)',
    { target: TARGET, steps: [0.1, 1, 10, 20, 50, 100], approvals: { before: [50, 100] } },
  ],
  ['one-hour bakes, poll 30 s (steps 1 → 10 → 20 → 50 → 100)', { target: TARGET, bakeSeconds: 3600 }],
];

const figures: Figure[] = [];
for (const [label, raw] of INPUTS) {
  const checked = validateInput(raw);
  if (!checked.ok) throw new Error(`bench/cost.ts: ${label}: ${checked.problems.join('; ')}`);
  const plan = buildPlan(checked.input);
  const usd = plan.stateTransitions * PRICE_PER_TRANSITION_USD;
  console.log(`${label}: ${plan.stateTransitions} transitions, ${plan.historyEvents} history events, $${usd.toFixed(4)} per rollout`);
  figures.push(
    { name: `${label}: state transitions (longest path)`, unit: 'count', samples: [plan.stateTransitions] },
    { name: `${label}: history events (limit 25,000)`, unit: 'count', samples: [plan.historyEvents] },
    { name: `${label}: Step Functions cost per rollout`, unit: 'USD', samples: [usd] },
    { name: `${label}: Step Functions cost per ${ROLLOUTS_PER_MONTH} rollouts`, unit: 'USD', samples: [usd * ROLLOUTS_PER_MONTH] },
  );
}

report({
  bench: 'cost',
  setup: `lambdas/domain/plan.ts: buildPlan() and PRICE_PER_TRANSITION_USD ($${(PRICE_PER_TRANSITION_USD * 1000).toFixed(3)} per 1,000 Standard-workflow transitions, us-east-1); computed, one sample each`,
  figures,
  notes: [
    'Step Functions only: Lambda invocations (one per Shift and per poll, 512 MB, short), DynamoDB on-demand items and CloudWatch API reads are per use and not counted here; the stack\'s fixed monthly items are in docs/deploy.md#cost',
  ],
});
