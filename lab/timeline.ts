// The lab's timeline picture (SVG), three panels sharing one time axis: the canary's share of
// traffic (requested and measured) on a log scale so 1% and 10% steps are visible, 5xx rate per
// target group, p99 latency per target group; with step, approval, rejection, fault, alarm and
// rollback markers. Everything is clipped to its panel. Plain SVG text, no dependencies.
import { greenShare } from './progress.ts';
import type { LabReport } from './run.ts';
import type { TimelinePoint } from './traffic/metrics.ts';

const W = 960;
const H = 620;
const PAD = { left: 64, right: 24, top: 92, gap: 40, bottom: 40 };
const PANEL = (H - PAD.top - 2 * PAD.gap - PAD.bottom) / 3;
const RIGHT = W - PAD.right;
const COLOR = { blue: '#1f77b4', green: '#2ca02c', share: '#222', requested: '#888', alarm: '#d62728', fault: '#ff7f0e', approval: '#6a3d9a', rollback: '#000', step: '#aaa' };
/** Share axis: log10(1 + p) keeps 0 at the bottom and spreads 1% and 10% out of the floor. */
const SHARE_TICKS = [0, 1, 10, 20, 50, 100];
const shareScale = (pct: number) => Math.log10(1 + Math.max(0, Math.min(100, pct))) / Math.log10(101);

export function timelineSvg(report: LabReport): string {
  const t0 = report.startedAt;
  const t1 = t0 + Math.max(1000, report.observedMs);
  const x = (at: number) => PAD.left + ((Math.min(t1, Math.max(t0, at)) - t0) / (t1 - t0)) * (RIGHT - PAD.left);
  const top = [0, 1, 2].map((i) => PAD.top + i * (PANEL + PAD.gap)) as [number, number, number];
  const { blue, green } = report.timeline;
  const maxErr = niceMax(Math.max(0.05, ...[...blue, ...green].filter((p) => p.requests > 0).map((p) => p.errorRate)));
  const maxP99 = niceMax(Math.max(50, ...[...blue, ...green].map((p) => p.p99Ms ?? 0)));
  const yShare = (pct: number) => top[0] + PANEL - shareScale(pct) * PANEL;
  const yErr = (rate: number) => top[1] + PANEL - (Math.min(rate, maxErr) / maxErr) * PANEL;
  const yP99 = (ms: number) => top[2] + PANEL - (Math.min(ms, maxP99) / maxP99) * PANEL;
  const out: string[] = [];

  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push('<defs>', ...top.map((y, i) => `<clipPath id="panel${i}"><rect x="${PAD.left}" y="${y}" width="${RIGHT - PAD.left}" height="${PANEL}"/></clipPath>`), '</defs>');
  out.push(text(PAD.left, 20, `canary-switch lab — ${report.scenario}: ${report.outcome}${report.rejected ? ` (rejected by ${report.rejected.by})` : ''}`, 'bold', 14));
  if (report.cause) out.push(text(PAD.left, 36, clip(report.cause, 150), 'normal', 11, '#444'));

  // Panels: frame, title, y ticks.
  const panels: [number, string, [number, string][]][] = [
    [top[0], 'green share of traffic (%, log scale)', SHARE_TICKS.map((p) => [yShare(p), `${p}`])],
    [top[1], '5xx rate per target group', [0, 0.5, 1].map((f) => [yErr(f * maxErr), `${Math.round(f * maxErr * 1000) / 10}%`])],
    [top[2], 'p99 latency per target group (ms)', [0, 0.5, 1].map((f) => [yP99(f * maxP99), `${Math.round(f * maxP99)}`])],
  ];
  for (const [y, label, ticks] of panels) {
    out.push(`<rect x="${PAD.left}" y="${y}" width="${RIGHT - PAD.left}" height="${PANEL}" fill="#fafafa" stroke="#ccc"/>`);
    out.push(text(PAD.left + 4, y - 6, label, 'normal', 12, '#333'));
    for (const [ty, tl] of ticks) {
      out.push(`<line x1="${PAD.left}" y1="${ty.toFixed(1)}" x2="${RIGHT}" y2="${ty.toFixed(1)}" stroke="#eee"/>`);
      out.push(text(PAD.left - 6, ty + 4, tl, 'normal', 10, '#666', 'end'));
    }
  }
  // Time ticks: a step that gives at most 10 labels for this run's length.
  const spanS = (t1 - t0) / 1000;
  const every = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((s) => spanS / s <= 10) ?? 3600;
  for (let s = 0; s <= spanS; s += every) out.push(text(x(t0 + s * 1000), H - 16, s >= 120 ? `${Math.round((s / 60) * 10) / 10}m` : `${s}s`, 'normal', 10, '#666', 'middle'));

  // Markers through all panels; labels stagger in the top panel and stay inside the frame.
  const markers: [number, string, string][] = [
    ...report.timeline.steps.map((s): [number, string, string] => [s.at, `${s.percent}%`, COLOR.step]),
    ...(report.approved ?? []).map((a): [number, string, string] => [a.at, `✓ ${a.step}% approved`, COLOR.approval]),
    ...(report.rejected ? [[report.rejected.at, `✗ rejected before ${report.rejected.step}%`, COLOR.approval] as [number, string, string]] : []),
    ...(report.faultAt ? [[report.faultAt, 'fault', COLOR.fault] as [number, string, string]] : []),
    ...report.timeline.alarms.filter((a) => a.to === 'ALARM').map((a): [number, string, string] => [a.at, `${a.name} ALARM`, COLOR.alarm]),
    ...(report.decidedAt ? [[report.decidedAt, 'rollback', COLOR.rollback] as [number, string, string]] : []),
  ];
  markers.forEach(([at, label, color], i) => {
    const px = x(at);
    out.push(`<line x1="${px.toFixed(1)}" y1="${PAD.top}" x2="${px.toFixed(1)}" y2="${top[2] + PANEL}" stroke="${color}" stroke-dasharray="2 3"/>`);
    const nearRight = px > RIGHT - 140;
    out.push(text(nearRight ? px - 3 : px + 3, PAD.top + 12 + (i % 4) * 12, label, 'normal', 10, color, nearRight ? 'end' : 'start'));
  });

  // Requested share: a step line from the proxy's weight history.
  const share = (w: Record<string, number>) => greenShare(w, report.targets);
  const requested: string[] = [];
  report.timeline.weights.forEach((w, i) => {
    const prev = report.timeline.weights[i - 1];
    if (prev) requested.push(pt(x(w.at), yShare(share(prev.weights))));
    requested.push(pt(x(w.at), yShare(share(w.weights))));
  });
  const last = report.timeline.weights.at(-1);
  if (last) requested.push(pt(x(t1), yShare(share(last.weights))));
  out.push(polyline(requested, COLOR.requested, 2, 0, '5 3'));

  // Measured share, error rates and p99, one point per second (at the middle of the second).
  const byAt = (series: TimelinePoint[]) => new Map(series.map((p) => [p.at, p]));
  const b = byAt(blue);
  const g = byAt(green);
  const seconds = [...new Set([...b.keys(), ...g.keys()])].sort((p, q) => p - q);
  const measured = seconds.flatMap((at) => {
    const gr = g.get(at)?.requests ?? 0;
    const total = gr + (b.get(at)?.requests ?? 0);
    return total ? [pt(x(at + 500), yShare((gr / total) * 100))] : [];
  });
  out.push(polyline(measured, COLOR.share, 1.5, 0));
  for (const [series, color] of [[blue, COLOR.blue], [green, COLOR.green]] as const) {
    out.push(polyline(series.filter((p) => p.requests > 0).map((p) => pt(x(p.at + 500), yErr(p.errorRate))), color, 1.5, 1));
    out.push(polyline(series.filter((p) => p.p99Ms !== undefined).map((p) => pt(x(p.at + 500), yP99(p.p99Ms ?? 0))), color, 1.5, 2));
  }

  // Legend: share lines are grey/black, per-target-group lines are blue/green (5xx and p99 panels).
  const legend: [string, string, string?][] = [
    ['green share requested (weights)', COLOR.requested, '5 3'],
    ['green share measured', COLOR.share],
    ['blue (5xx, p99)', COLOR.blue],
    ['green (5xx, p99)', COLOR.green],
  ];
  legend.forEach(([label, color, dash], i) => {
    const lx = PAD.left + i * 220;
    const ly = 60;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    out.push(text(lx + 28, ly, label, 'normal', 11, '#333'));
  });
  out.push('</svg>');
  return out.join('\n');
}

/** 1, 2 or 5 × 10^n at or above v. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

function pt(px: number, py: number): string {
  return `${px.toFixed(1)},${py.toFixed(1)}`;
}

function polyline(points: string[], color: string, width: number, panel: number, dash?: string): string {
  if (points.length === 0) return '';
  return `<polyline clip-path="url(#panel${panel})" fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points.join(' ')}"/>`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}

function text(px: number, py: number, s: string, weight: string, size: number, color = '#000', anchor = 'start'): string {
  return `<text x="${px.toFixed(1)}" y="${py.toFixed(1)}" font-weight="${weight}" font-size="${size}" fill="${color}" text-anchor="${anchor}">${escape(s)}</text>`;
}

function escape(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
