// What a request id may look like: every id the gateway issues matches
// (chatcmpl-<32 hex>, middleware/request-id.ts), and so did the client-chosen
// ids it kept before it issued its own; feedback rejects anything else as a
// mistake.
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
