package dev.coldbrew.dataplane;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What the gateway decided about one request when it read its head: the revision, how the client
 * spoke (version, keep-alive), how the body is framed, what kind of request it is, and its
 * deadlines. Immutable: the request's changing state lives in {@link ProxiedRequest}. Deadlines are
 * absolute {@code nanoTime} values; 0 means none.
 *
 * @param revision the revision the route picked
 * @param method the request's method
 * @param version the client's HTTP version (1.0 or 1.1); the response uses it
 * @param keepAlive whether the connection carries another request after this one
 * @param hasBody whether a body follows the head ({@code Content-Length} &gt; 0 or chunked)
 * @param resendable whether the request may be sent to an instance a second time after its
 *     connection closed before any response: an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT,
 *     DELETE, as RFC 9110 defines them), no upgrade, and no body or a {@code Content-Length} of at
 *     most {@link #RESEND_BODY_LIMIT} (such a body is kept until the response begins)
 * @param webSocket a bodiless GET with {@code Upgrade: websocket}: tunnelled after a 101
 * @param expectContinue the client waits for {@code 100 Continue} before it sends its body
 * @param startNanos when the head was routed
 * @param deadline the revision's {@code timeoutSeconds} after the start, or the client's gRPC
 *     deadline ({@code grpc-timeout}) if that comes first: the whole request
 * @param responseStartDeadline the revision's {@code responseStartTimeoutSeconds} after the start:
 *     until the response head arrives; 0 for none
 * @param idleNanos the revision's {@code idleTimeoutSeconds}: no body byte either way for that
 *     long; 0 for none
 */
record RequestContext(
    RevisionState revision,
    HttpMethod method,
    HttpVersion version,
    boolean keepAlive,
    boolean hasBody,
    boolean resendable,
    boolean webSocket,
    boolean expectContinue,
    long startNanos,
    long deadline,
    long responseStartDeadline,
    long idleNanos) {

  private static final long SECOND = 1_000_000_000L;

  /** The largest body kept for a second try: 64 KiB, bodies stream to the instance otherwise. */
  static final long RESEND_BODY_LIMIT = 64 * 1024;

  /**
   * The context of a request routed to {@code revision} at {@code now}; {@code bodyLength} is its
   * {@code Content-Length}, 0 without a body, -1 for a chunked one; {@code clientTimeoutNanos}, if
   * above 0, how long the client waits for it ({@code grpc-timeout}).
   */
  static RequestContext of(
      RevisionState revision,
      int defaultTimeoutSeconds,
      HttpMethod method,
      HttpVersion version,
      boolean keepAlive,
      long bodyLength,
      boolean webSocket,
      boolean expectContinue,
      long clientTimeoutNanos,
      long now) {
    RevisionConfig config = revision.config;
    int timeout = config.timeoutSeconds() > 0 ? config.timeoutSeconds() : defaultTimeoutSeconds;
    Integer start = config.responseStartTimeoutSeconds();
    Integer idle = config.idleTimeoutSeconds();
    return new RequestContext(
        revision,
        method,
        version,
        keepAlive,
        bodyLength != 0,
        !webSocket
            && bodyLength >= 0
            && bodyLength <= RESEND_BODY_LIMIT
            && (HttpMethod.GET.equals(method)
                || HttpMethod.HEAD.equals(method)
                || HttpMethod.OPTIONS.equals(method)
                || HttpMethod.TRACE.equals(method)
                || HttpMethod.PUT.equals(method)
                || HttpMethod.DELETE.equals(method)),
        webSocket,
        expectContinue,
        now,
        now
            + (clientTimeoutNanos > 0
                ? Math.min(clientTimeoutNanos, timeout * SECOND)
                : timeout * SECOND),
        start != null && start > 0 ? now + start * SECOND : 0,
        idle != null && idle > 0 ? idle * SECOND : 0);
  }

  /** Whether a response with {@code status} to this request carries a body. */
  boolean responseHasBody(int status) {
    return status >= 200 && status != 204 && status != 304 && !HttpMethod.HEAD.equals(method);
  }
}
