package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;

/**
 * Told about every proxied request, for metrics and events: the data plane asks for one {@link
 * Recorder} when it first sees a revision and keeps it with the revision, so the request path does
 * no lookup (nothing per request beyond need on the hot path; see CONTRIBUTING.md); {@link
 * #revisionRemoved} says when to drop it. {@code revisionAdded} and {@code revisionRemoved} may be
 * called from any thread; recorders are called from event loops and must not block.
 */
public interface RequestObserver {
  /** The recorder for a revision the data plane has just started tracking. */
  Recorder revisionAdded(NamespacedName revision);

  /** The revision is gone; its recorder is no longer called. */
  void revisionRemoved(NamespacedName revision);

  /**
   * The gateway refused a request before it was routed to a revision (a malformed head, no route).
   * Called from event loops; must not block.
   */
  void refused(GatewayAnswer answer);

  /** One revision's request outcomes. Called from event loops; must not block. */
  interface Recorder {
    /**
     * A request finished.
     *
     * @param statusCode the status sent to the client (0 when the client left before any)
     * @param durationNanos from arrival to the end of the response
     * @param viaActivator whether it went through the activator
     */
    void requestDone(int statusCode, long durationNanos, boolean viaActivator);

    /**
     * A request arrived while the revision had no ready instance and was granted one after waiting
     * {@code waitNanos}.
     */
    void coldStart(long waitNanos);

    /** A request goes to an instance once more, for the reason given. */
    void retried(Retry why);

    /** The gateway answered one of the revision's requests itself (a 5xx, or a refusal). */
    void answered(GatewayAnswer answer);
  }

  /** Why a request went to an instance a second time; each request goes at most twice. */
  enum Retry {
    /** The connection could not be opened: nothing was sent. */
    CONNECT_FAILED("connect_failed"),
    /**
     * The connection closed after the request was sent and before any response; the request was
     * idempotent, with no body or one of at most 64 KiB.
     */
    CLOSED_BEFORE_RESPONSE("closed_before_response");

    /** Its name in metrics. */
    public final String label;

    Retry(String label) {
      this.label = label;
    }
  }

  /** Records nothing. */
  RequestObserver NONE =
      new RequestObserver() {
        private final Recorder none =
            new Recorder() {
              @Override
              public void requestDone(int statusCode, long durationNanos, boolean viaActivator) {}

              @Override
              public void coldStart(long waitNanos) {}

              @Override
              public void retried(Retry why) {}

              @Override
              public void answered(GatewayAnswer answer) {}
            };

        @Override
        public Recorder revisionAdded(NamespacedName revision) {
          return none;
        }

        @Override
        public void revisionRemoved(NamespacedName revision) {}

        @Override
        public void refused(GatewayAnswer answer) {}
      };
}
