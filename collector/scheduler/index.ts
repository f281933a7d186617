// The scheduler's public surface (pure parts; the timer/I/O wrapper comes with the runners).
//
//   Scheduler                    due times, in-flight rounds, region choice (scheduler.ts)
//   IndexedMinHeap               the heap under it (heap.ts)
//   slotOffset, nextSlot         stable per-monitor slots (slots.ts)
//   pickOne, pickMany, monitorRegions, votingRegions, isSetAside, noRunnerMessage, mulberry32
//                                region choice shared with the verdict (regions.ts)

export type { HeapEntry } from './heap.ts';
export { IndexedMinHeap } from './heap.ts';
export type { RegionView, Rng } from './regions.ts';
export {
  isSetAside,
  monitorRegions,
  mulberry32,
  noRunnerMessage,
  pickMany,
  pickOne,
  votingRegions,
} from './regions.ts';
export type { SchedulerItem, SchedulerMonitor, SchedulerOptions } from './scheduler.ts';
export { Scheduler, SchedulerError } from './scheduler.ts';
export { hashFraction, nextSlot, slotOffset } from './slots.ts';
