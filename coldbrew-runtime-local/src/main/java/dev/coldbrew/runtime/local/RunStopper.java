package dev.coldbrew.runtime.local;

import dev.coldbrew.api.runtime.InstanceDrainer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends runs the way Kubernetes ends a pod's container, for every launcher alike: first (for an
 * instance that was ever ready) wait until the data plane has no request in flight on it, bounded
 * by the Revision's timeout; then {@link Launched#terminate}; then {@link Launched#kill} if it is
 * not gone after the termination grace period. Thread-safe; nothing here blocks (the kill is a
 * timer on the {@link RuntimeScheduler}).
 */
final class RunStopper {
  private static final Logger log = LoggerFactory.getLogger(RunStopper.class);
  private static final long KILL_WAIT_SECONDS = 5;

  private final RuntimeScheduler scheduler;
  private final InstanceDrainer drainer;
  private final Duration grace;

  RunStopper(RuntimeScheduler scheduler, InstanceDrainer drainer, Duration grace) {
    this.scheduler = scheduler;
    this.drainer = drainer;
    this.grace = grace;
  }

  /**
   * Completes when the drainer says the instance is idle, or shortly after {@code timeout} (the
   * drainer promises to complete by then; this does not depend on it). A failing drainer is logged
   * and the stop goes on.
   */
  CompletableFuture<Void> drain(String instanceId, Duration timeout) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      drainer
          .awaitIdle(instanceId, timeout)
          .whenComplete(
              (v, e) -> {
                if (e != null) {
                  log.warn("draining instance {} failed; stopping it anyway", instanceId, e);
                }
                done.complete(null);
              });
    } catch (RuntimeException e) {
      log.warn("draining instance {} failed; stopping it anyway", instanceId, e);
      done.complete(null);
    }
    return done.completeOnTimeout(null, timeout.plusSeconds(1).toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Terminates the run now and kills it if it is not gone after the grace period (at once if the
   * scheduler is shut down). Completes when it is gone, or 5 s after the kill: a zombie nobody
   * reaps must not hold up a stop forever.
   */
  CompletableFuture<Void> end(Launched run) {
    CompletableFuture<Void> gone = new CompletableFuture<>();
    try {
      run.terminate().whenComplete((v, e) -> gone.complete(null));
    } catch (RuntimeException e) {
      log.error("terminating {} failed", run, e);
      return CompletableFuture.completedFuture(null);
    }
    Runnable kill =
        () -> {
          run.kill();
          gone.completeOnTimeout(null, KILL_WAIT_SECONDS, TimeUnit.SECONDS);
        };
    ScheduledFuture<?> timer = scheduler.schedule(kill, grace.toNanos());
    if (timer == null) {
      kill.run();
      return gone;
    }
    return gone.whenComplete((v, e) -> timer.cancel(false));
  }
}
