/** A thing asked for by id that is not stored (a trace): the API answers 404 in its own shape. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
