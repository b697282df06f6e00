// What both views print once a run has ended: the recap, the rollout block
// when hosts were left out, and the drift summary of a check run.
import type { RunReport } from '../engine/events.js';
import { driftSummaryLines } from './drift.js';
import { recapLines } from './format.js';
import { rolloutLines } from './rollout.js';

export function summaryLines(report: RunReport): string[] {
  const lines = [...recapLines(report), ...rolloutLines(report)];
  if (report.check) lines.push(...driftSummaryLines(report));
  return lines;
}
