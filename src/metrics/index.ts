export {
  HISTOGRAM_ABSOLUTE_ERROR_S,
  HISTOGRAM_RELATIVE_ERROR,
  HISTOGRAM_SIGNIFICANT_DIGITS,
  HISTOGRAM_UNIT_S,
  LatencyHistogram,
  type SerializedHistogram,
} from './histogram.js';
export {
  MetricsRecorder,
  RECORDER_DEFAULTS,
  type RecorderOptions,
  type RecorderSummary,
  type ResolvedRecorderOptions,
  type WindowListener,
  type WindowStats,
} from './recorder.js';
export { confidenceInterval, studentTQuantile975 } from './stats.js';
export type { GaugeSource, RequestRecorder } from './types.js';
