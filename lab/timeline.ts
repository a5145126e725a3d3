// The lab's timeline picture (SVG): requested vs measured canary share on top, 5xx rate per target
// group below, with step, alarm and rollback markers. Plain SVG text, no dependencies.
import { greenShare, type LabReport } from './run.ts';

const W = 960;
const H = 460;
const PAD = { left: 56, right: 90, top: 80, gap: 46, bottom: 40 };
const PANEL = (H - PAD.top - PAD.gap - PAD.bottom) / 2;

export function timelineSvg(report: LabReport): string {
  const t0 = report.startedAt;
  const t1 = t0 + report.observedMs;
  const x = (at: number) => PAD.left + ((at - t0) / Math.max(1, t1 - t0)) * (W - PAD.left - PAD.right);
  const yTop = (pct: number) => PAD.top + PANEL - (pct / 100) * PANEL;
  const maxErr = Math.max(0.1, ...report.timeline.blue.map((p) => p.errorRate), ...report.timeline.green.map((p) => p.errorRate));
  const bottom0 = PAD.top + PANEL + PAD.gap;
  const yBottom = (rate: number) => bottom0 + PANEL - (rate / maxErr) * PANEL;
  const out: string[] = [];

  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(text(PAD.left, 20, `canary-switch lab — ${report.scenario}: ${report.outcome}`, 'bold', 14));
  if (report.cause) out.push(text(PAD.left, 36, report.cause.length > 140 ? `${report.cause.slice(0, 137)}...` : report.cause, 'normal', 11, '#444'));

  // Frames and axes.
  for (const [top, label, max] of [
    [PAD.top, 'green share of traffic (%)', '100'],
    [bottom0, '5xx rate per target group', `${Math.round(maxErr * 100)}%`],
  ] as const) {
    out.push(`<rect x="${PAD.left}" y="${top}" width="${W - PAD.left - PAD.right}" height="${PANEL}" fill="#fafafa" stroke="#ccc"/>`);
    out.push(text(PAD.left + 4, top - 6, label, 'normal', 12, '#333'));
    out.push(text(PAD.left - 6, top + 4, max, 'normal', 10, '#666', 'end'));
    out.push(text(PAD.left - 6, top + PANEL + 4, '0', 'normal', 10, '#666', 'end'));
  }
  for (let s = 0; s <= (t1 - t0) / 1000; s += 5) out.push(text(x(t0 + s * 1000), H - 16, `${s}s`, 'normal', 10, '#666', 'middle'));

  // Markers: steps (grey), alarms (red), rollback decision and restore (black).
  for (const step of report.timeline.steps) out.push(marker(x(step.at), `${step.percent}%`, '#999'));
  for (const a of report.timeline.alarms.filter((a) => a.to === 'ALARM')) out.push(marker(x(a.at), `${a.name} ALARM`, '#d62728', 24));
  if (report.faultAt) out.push(marker(x(report.faultAt), 'fault', '#ff7f0e', 36));
  if (report.decidedAt) out.push(marker(x(report.decidedAt), 'rollback', '#000', 48));

  // Requested share: a step line from the proxy's weight history.
  const green = (w: Record<string, number>) => greenShare(w, report.targets);
  const steps: string[] = [];
  report.timeline.weights.forEach((w, i) => {
    const at = Math.max(w.at, t0);
    if (i > 0) steps.push(`${x(at).toFixed(1)},${yTop(green(report.timeline.weights[i - 1]!.weights)).toFixed(1)}`);
    steps.push(`${x(at).toFixed(1)},${yTop(green(w.weights)).toFixed(1)}`);
  });
  const last = report.timeline.weights[report.timeline.weights.length - 1];
  if (last) steps.push(`${x(t1).toFixed(1)},${yTop(green(last.weights)).toFixed(1)}`);
  out.push(polyline(steps, '#2ca02c', 2, '4 3'));

  // Measured share and error rates, one point per second.
  const seconds = [...new Set([...report.timeline.blue, ...report.timeline.green].map((p) => p.at))].sort((a, b) => a - b);
  const requestsAt = (series: { at: number; requests: number }[], at: number) => series.find((p) => p.at === at)?.requests ?? 0;
  const measured = seconds
    .map((at) => {
      const g = requestsAt(report.timeline.green, at);
      const total = g + requestsAt(report.timeline.blue, at);
      return total ? `${x(at + 500).toFixed(1)},${yTop((g / total) * 100).toFixed(1)}` : undefined;
    })
    .filter((p): p is string => p !== undefined);
  out.push(polyline(measured, '#2ca02c', 1.5));
  out.push(polyline(report.timeline.blue.filter((p) => p.requests > 0).map((p) => `${x(p.at + 500).toFixed(1)},${yBottom(p.errorRate).toFixed(1)}`), '#1f77b4', 1.5));
  out.push(polyline(report.timeline.green.filter((p) => p.requests > 0).map((p) => `${x(p.at + 500).toFixed(1)},${yBottom(p.errorRate).toFixed(1)}`), '#2ca02c', 1.5));

  // Legend.
  const legend: [string, string, string?][] = [
    ['green requested (weights)', '#2ca02c', '4 3'],
    ['green measured', '#2ca02c'],
    ['blue 5xx rate', '#1f77b4'],
    ['green 5xx rate', '#2ca02c'],
  ];
  legend.forEach(([label, color, dash], i) => {
    const lx = PAD.left + i * 190;
    const ly = 56;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    out.push(text(lx + 28, ly, label, 'normal', 11, '#333'));
  });
  out.push('</svg>');
  return out.join('\n');

  function marker(px: number, label: string, color: string, dy = 12): string {
    return (
      `<line x1="${px.toFixed(1)}" y1="${PAD.top}" x2="${px.toFixed(1)}" y2="${H - PAD.bottom}" stroke="${color}" stroke-dasharray="2 3"/>` +
      text(px + 3, PAD.top + dy, label, 'normal', 10, color)
    );
  }
}

function polyline(points: string[], color: string, width: number, dash?: string): string {
  if (points.length === 0) return '';
  return `<polyline fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points.join(' ')}"/>`;
}

function text(px: number, py: number, s: string, weight: string, size: number, color = '#000', anchor = 'start'): string {
  return `<text x="${px.toFixed(1)}" y="${py.toFixed(1)}" font-weight="${weight}" font-size="${size}" fill="${color}" text-anchor="${anchor}">${escape(s)}</text>`;
}

function escape(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
