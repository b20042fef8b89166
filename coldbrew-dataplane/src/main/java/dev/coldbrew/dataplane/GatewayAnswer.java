package dev.coldbrew.dataplane;

/**
 * Why the gateway answered a request itself instead of the app: each such answer is counted by its
 * label and logged (at most one line per period for each revision and answer, see {@link
 * RateLimitedLog}). Immutable.
 */
public enum GatewayAnswer {
  /** The head could not be parsed, or broke a rule of the protocol (400). */
  MALFORMED_REQUEST(400, "malformed_request"),
  /** No route for the request's host (404). */
  NO_ROUTE(404, "no_route"),
  /** The client sent no body byte for longer than the body timeout (408). */
  BODY_TIMEOUT(408, "body_timeout"),
  /** The body is larger than the platform takes (413). */
  BODY_TOO_LARGE(413, "body_too_large"),
  /** The request line is too long (414). */
  REQUEST_LINE_TOO_LONG(414, "request_line_too_long"),
  /** An {@code Expect} other than {@code 100-continue} (417). */
  UNSUPPORTED_EXPECT(417, "unsupported_expect"),
  /** The request header block is too large (431). */
  HEADERS_TOO_LARGE(431, "headers_too_large"),
  /** The connection to the instance could not be opened, twice (502). */
  CONNECT_FAILED(502, "connect_failed"),
  /** The instance closed the connection, or failed, before a complete response head (502). */
  UPSTREAM_CLOSED(502, "upstream_closed"),
  /** The instance's response could not be parsed (502). */
  MALFORMED_RESPONSE(502, "malformed_response"),
  /** The instance the activator granted had gone before the request reached it (502). */
  INSTANCE_GONE(502, "instance_gone"),
  /** The revision failed (crash loop, progress deadline) and has no ready instance (503). */
  REVISION_FAILED(503, "revision_failed"),
  /** The activator already holds as many requests for the revision as it may (503). */
  TOO_MANY_HELD(503, "too_many_held"),
  /** The instance's queue (containerConcurrency × 10 waiting) is full (503). */
  QUEUE_FULL(503, "queue_full"),
  /** The request waited in the activator for its whole timeout (504). */
  ACTIVATOR_TIMEOUT(504, "activator_timeout"),
  /** The instance did not answer within the revision's timeouts (504). */
  REQUEST_TIMEOUT(504, "request_timeout");

  /** The status sent. */
  public final int status;

  /** Its name in metrics and logs. */
  public final String label;

  GatewayAnswer(int status, String label) {
    this.status = status;
    this.label = label;
  }

  /**
   * Whether the answer carries {@code Retry-After}: only the overload 503s, after which capacity
   * appears within about the autoscaler's tick.
   */
  public boolean retryAfter() {
    return this == TOO_MANY_HELD || this == QUEUE_FULL;
  }
}
