package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import java.io.PrintWriter;
import java.util.Objects;
import picocli.CommandLine.Option;

/** {@code --wait/--no-wait} and {@code --wait-timeout}, and the wait itself with progress lines. */
public class WaitOptions {
  @Option(
      names = "--wait",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Wait until the service is ready (default: true; --no-wait returns at once).")
  boolean wait;

  @Option(
      names = "--wait-timeout",
      defaultValue = "600",
      paramLabel = "SECONDS",
      description = "How long to wait (default: ${DEFAULT-VALUE}).")
  long waitTimeoutSeconds;

  /**
   * Whether a service that is not Ready only because its traffic names a revision that does not
   * exist serves the rest: its latest revision is ready and the route sends traffic to every target
   * that should get some (the platform holds back a split only when the missing target itself has
   * traffic). Such an update did what it was asked; the missing target is reported, not fatal.
   */
  /** How long the route may take to follow a revision that became ready. */
  static final long ROUTE_CATCH_UP_NANOS = 5_000_000_000L;

  static boolean servedDespite(Service s, Condition ready) {
    if (!"RevisionMissing".equals(ready.reason)
        || !s.status.isTrue("ConfigurationsReady")
        || s.spec.traffic == null
        || s.status.traffic == null) {
      return false;
    }
    for (TrafficTarget want : s.spec.traffic) {
      if (want.percent == null || want.percent == 0) {
        continue; // a tag alone: what a missing one holds back nothing
      }
      String rev =
          Boolean.TRUE.equals(want.latestRevision)
              ? s.status.latestReadyRevisionName
              : want.revisionName;
      if (s.status.traffic.stream()
          .noneMatch(
              t -> Objects.equals(t.revisionName, rev) && t.percent != null && t.percent > 0)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Polls the service until its latest generation is Ready (returns it), fails (throws with the
   * reason), or the timeout passes (throws). Prints a line whenever the Ready message changes.
   */
  Service awaitReady(
      GetCommand.Reader reader, String ns, String name, long generation, PrintWriter out) {
    if (waitTimeoutSeconds <= 0) {
      throw new UsageException("--wait-timeout: " + waitTimeoutSeconds + " (expected: > 0)");
    }
    long start = System.nanoTime();
    long deadline = start + waitTimeoutSeconds * 1_000_000_000L;
    String last = null;
    long missingSince = -1;
    while (true) {
      Service s =
          (Service)
              reader
                  .get(Kind.SERVICE, ns, name)
                  .orElseThrow(
                      () -> new UserException("service '" + name + "' was deleted while waiting"));
      Condition ready = s.status == null ? null : s.status.condition(Status.READY);
      boolean current =
          s.status != null
              && s.status.observedGeneration != null
              && s.status.observedGeneration >= generation;
      double elapsed = (System.nanoTime() - start) / 1e9;
      String msg = ready == null ? null : (ready.message != null ? ready.message : ready.reason);
      if (msg != null && !Objects.equals(msg, last)) {
        out.printf("%7.3fs %s%n", elapsed, msg);
        out.flush();
        last = msg;
      }
      if (current && ready != null && ready.isTrue()) {
        out.printf("%7.3fs Ready to serve.%n%n", elapsed);
        return s;
      }
      if (current && ready != null && ready.isFalse() && servedDespite(s, ready)) {
        out.printf("%7.3fs Ready to serve.%n", elapsed);
        out.printf(
            "Warning: %s The rest of the traffic is served; remove that target with --untag or"
                + " --traffic.%n%n",
            ready.message);
        return s;
      }
      // a missing traffic target makes Ready False while the new revision still starts, and
      // until the route has caught up with a revision that just became ready
      Condition configs = s.status == null ? null : s.status.condition("ConfigurationsReady");
      boolean missing = "RevisionMissing".equals(ready == null ? null : ready.reason);
      if (missing && configs != null && configs.isTrue() && missingSince < 0) {
        missingSince = System.nanoTime();
      }
      boolean rollingOut =
          missing
              && (configs == null
                  || (!configs.isTrue() && !configs.isFalse())
                  || System.nanoTime() - missingSince < ROUTE_CATCH_UP_NANOS);
      if (current && ready != null && ready.isFalse() && !rollingOut) {
        throw new UserException(
            "service '"
                + name
                + "' is not ready: "
                + ready.reason
                + (ready.message == null ? "" : ": " + ready.message));
      }
      if (System.nanoTime() > deadline) {
        throw new UserException(
            "timeout: service '"
                + name
                + "' not ready after "
                + waitTimeoutSeconds
                + "s"
                + (msg == null ? "" : " (" + msg + ")"));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UserException("interrupted while waiting");
      }
    }
  }
}
