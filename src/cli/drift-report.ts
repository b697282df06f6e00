// Drift reports (--report FILE): .json, .md or .xml (JUnit), by extension.
import type { RunReport } from '../engine/events.js';

export function writeDriftReport(_report: RunReport, _file: string): void {
  throw new Error('drift reports are not implemented yet');
}
