// Entry point of the GitHub Action (bundled to action/dist/index.js). run() never throws: every
// failure becomes one setFailed line naming what to do.
import { run } from './run.ts';

await run();
