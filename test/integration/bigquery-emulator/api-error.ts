// The error a Google client rejects with (ApiError's fields the tests read),
// and a helper that returns it from a promise that must reject.
export interface ApiErr {
  code?: number;
  message: string;
  errors?: { reason?: string; message?: string; location?: string }[];
  name?: string;
}

export async function rejects(p: Promise<unknown>): Promise<ApiErr> {
  try {
    await p;
  } catch (err) {
    return err as ApiErr;
  }
  throw new Error('expected a rejection');
}
