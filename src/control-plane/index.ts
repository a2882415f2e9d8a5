export { ApiServer } from './api-server.js';
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
