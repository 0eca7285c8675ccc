// A printed document for a route: the print shop's bytes, or a 503 with Retry-After when it is full
// (src/oversight/print-shop.ts MAX_WAITING_DOCUMENTS); any other failure stays a 500.
import { PrintShopBusyError } from '../oversight/print-shop.ts';
import { ApiError } from './http.ts';

export async function printed<T>(document: Promise<T>): Promise<T> {
  try {
    return await document;
  } catch (e) {
    if (e instanceof PrintShopBusyError) throw new ApiError(503, 'print-shop-busy', e.message, undefined, { 'Retry-After': String(e.retryAfterSeconds) });
    throw e;
  }
}
