package dev.coldbrew.api.runtime;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Lets the runtime wait, before it signals an instance to stop, until the data plane has finished
 * every request in flight on it. The data plane implements it; the runtime calls it after the
 * instance has left the ready set. Thread-safe.
 */
@FunctionalInterface
public interface InstanceDrainer {
  /** Completes when no request is in flight on the instance, or after {@code timeout}. */
  CompletionStage<Void> awaitIdle(String instanceId, Duration timeout);

  /** A drainer for when nothing routes requests (tests): completes at once. */
  InstanceDrainer NONE =
      (id, timeout) -> java.util.concurrent.CompletableFuture.completedFuture(null);
}
