import pkg from '../package.json' with { type: 'json' };

/** Vigil's version, from package.json; sent in the runner's User-Agent. */
export const VERSION: string = pkg.version;
