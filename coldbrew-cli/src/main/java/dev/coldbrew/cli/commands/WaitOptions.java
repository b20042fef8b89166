package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.cli.ApiClient;
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
   * Polls the service until its latest generation is Ready (returns it), fails (throws with the
   * reason), or the timeout passes (throws). Prints a line whenever the Ready message changes.
   */
  Service awaitReady(ApiClient client, String ns, String name, long generation, PrintWriter out) {
    if (waitTimeoutSeconds <= 0) {
      throw new UsageException("--wait-timeout: " + waitTimeoutSeconds + " (expected: > 0)");
    }
    long start = System.nanoTime();
    long deadline = start + waitTimeoutSeconds * 1_000_000_000L;
    String last = null;
    while (true) {
      Service s =
          client
              .<Service>get(Kind.SERVICE, ns, name)
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
      if (current && ready != null && ready.isFalse()) {
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
