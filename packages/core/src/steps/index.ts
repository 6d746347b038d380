export { CancelledError, cancellation, throwIfAborted } from "./cancelled-error.js";
export type { ProgressEvent, ProgressListener, ProgressUnit } from "./progress-event.js";
export { DEFAULT_PROGRESS_WRITE_MS, RunProgressRecorder } from "./run-progress-recorder.js";
export {
  StageContext,
  StepContext,
  stageReporter,
  type StageReporter,
  type StepOptions,
} from "./step-context.js";
