// BigQuery's JSON error shape: {"error":{"code","message","errors":[{message,domain,reason}],"status"}}.
// Every failure the emulator reports goes through BqError so clients (the Node
// client's ApiError, bq's BigqueryServiceError) parse it as they would Google's.

export type BqReason =
  | 'notFound'
  | 'duplicate'
  | 'invalid'
  | 'invalidQuery'
  | 'resourceInUse'
  | 'backendError'
  | 'badRequest'
  | 'stopped'
  | 'timeout'
  | 'responseTooLarge'
  | 'accessDenied'
  | 'forbidden';

const STATUS_FOR_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  403: 'PERMISSION_DENIED',
  409: 'ALREADY_EXISTS',
  413: 'OUT_OF_RANGE',
  415: 'INVALID_ARGUMENT',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
};

export class BqError extends Error {
  /** Errors behind this one (a load's bad rows), listed in a failed job's status.errors. */
  details?: BqError[];

  constructor(
    readonly code: number,
    readonly reason: BqReason,
    message: string,
    readonly location?: string,
  ) {
    super(message);
    this.name = 'BqError';
  }

  /** The errorProto used inside job.status and the error body. */
  toErrorProto(): { message: string; domain: string; reason: string; location?: string; locationType?: string } {
    return {
      message: this.message,
      domain: 'global',
      reason: this.reason,
      ...(this.location ? { location: this.location, locationType: 'other' } : {}),
    };
  }

  toBody(): { error: { code: number; message: string; errors: ReturnType<BqError['toErrorProto']>[]; status: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [this.toErrorProto()],
        status: STATUS_FOR_CODE[this.code] ?? 'UNKNOWN',
      },
    };
  }
}

export const notFound = (message: string): BqError => new BqError(404, 'notFound', message);
export const duplicate = (message: string): BqError => new BqError(409, 'duplicate', message);
export const invalid = (message: string): BqError => new BqError(400, 'invalid', message);
export const invalidQuery = (message: string): BqError => new BqError(400, 'invalidQuery', message);

export const tableNotFound = (project: string, dataset: string, table: string): BqError =>
  notFound(`Not found: Table ${project}:${dataset}.${table} was not found in location US`);
export const datasetNotFound = (project: string, dataset: string): BqError =>
  notFound(`Not found: Dataset ${project}:${dataset} was not found in location US`);
export const jobNotFound = (project: string, jobId: string): BqError => notFound(`Not found: Job ${project}:US.${jobId}`);

/** Turns anything thrown into a BqError (unknown failures are 500 backendError). */
export function toBqError(err: unknown): BqError {
  if (err instanceof BqError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BqError(500, 'backendError', message);
}
