// What a request id may look like: the middleware keeps a client-sent
// x-request-id only if it matches, so every id the gateway ever issued does,
// and feedback can reject anything else as a mistake.
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
