export { ApiServer } from './api-server.js';
export type {
  EndpointChange,
  EndpointChangeKind,
  EndpointFeed,
  EndpointSnapshot,
} from './endpoint-state.js';
export {
  ENDPOINTSLICE_CONTROLLER_DEFAULTS,
  type EndpointSlice,
  EndpointSliceController,
  type EndpointSliceControllerCallbacks,
  type EndpointSliceControllerOptions,
  type ResolvedEndpointSliceControllerOptions,
  resolveEndpointSliceControllerOptions,
  type SliceEndpoint,
} from './endpointslice-controller.js';
