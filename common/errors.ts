// The base of Vigil's errors that carry a stable code: callers, the API and tests act on the code
// (`VIGIL_ERR_*`, `VIGIL_ACTION_*`...), never on the message, which is free to improve.

export class CodedError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
