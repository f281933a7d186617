// The embedded runner's way to the collector: the same RunnerService the HTTP routes call, with
// no network and no serialization. Errors are the same VigilErrors (codes) the routes answer with.
// `register` needs no region key here: the embedded runner is part of this process.
import type { RunnerTransport } from '../../runner/protocol.ts';
import type { RunnerService } from './service.ts';

export function createInProcessTransport(service: RunnerService): RunnerTransport {
  return {
    async register(request) {
      return service.register(request, { trusted: true });
    },
    async claim(token, request, signal) {
      return service.claim(await service.authenticateAny(token), request, signal);
    },
    async results(token, request) {
      return service.results(await service.authenticateAny(token), request);
    },
    async heartbeat(token, request) {
      return service.heartbeat(await service.authenticateAny(token), request);
    },
    async deregister(token) {
      service.deregister(await service.authenticateAny(token));
    },
  };
}
