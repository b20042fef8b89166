package dev.coldbrew.kubernetes;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * What the controller has seen of the API server lately: the outcome of its last requests. A
 * request that could not reach the API server, or that it answered with 5xx or 429, is a failure;
 * any answer after that (even a 409 or 404) clears it. The controller's {@code /healthz} reports
 * the failure with its first time and the last message, beside the informers' watch state.
 * Thread-safe (one monitor, held for a few assignments).
 */
public final class ApiServerHealth {
  /**
   * The API server has been failing since {@code since}.
   *
   * @param failures failed requests since then
   * @param lastMessage the last failure's message
   */
  public record Problem(Instant since, long failures, String lastMessage) {}

  private final Clock clock;
  private Instant failingSince;
  private long failures;
  private String lastMessage;

  public ApiServerHealth(Clock clock) {
    this.clock = clock;
  }

  /** The API server answered. */
  public synchronized void answered() {
    failingSince = null;
    failures = 0;
    lastMessage = null;
  }

  /** A request failed for want of the API server. */
  public synchronized void failed(String message) {
    if (failingSince == null) {
      failingSince = clock.instant();
    }
    failures++;
    lastMessage = message;
  }

  /** The current failure, if the last request failed. */
  public synchronized Optional<Problem> problem() {
    return failingSince == null
        ? Optional.empty()
        : Optional.of(new Problem(failingSince, failures, lastMessage));
  }
}
