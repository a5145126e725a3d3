// A service that fails in bursts: `errorRate` for `burstMs`, then healthy until the next burst every
// `everyMs`. The lab's `flapping` scenario: each burst is shorter than a poll, so an alarm on it goes
// ALARM and back to OK between two reads of its state.
import type { Service } from './services.ts';

export interface Bursts {
  /** When each burst started (epoch ms). */
  starts: number[];
  stop(): void;
}

export function startBursts(service: Service, options: { burstMs: number; everyMs: number; errorRate: number }): Bursts {
  const starts: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const burst = () => {
    if (stopped) return;
    starts.push(Date.now());
    service.setFault({ errorRate: options.errorRate });
    timer = setTimeout(() => {
      service.setFault({});
      timer = setTimeout(burst, options.everyMs - options.burstMs);
    }, options.burstMs);
  };
  burst();
  return {
    starts,
    stop() {
      stopped = true;
      clearTimeout(timer);
      service.setFault({});
    },
  };
}
