package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Writes down in words what the data plane tells its {@link RequestObserver}, in order: {@code
 * added R}, {@code cold start}, {@code done 200 via activator} or {@code done 200 direct}, {@code
 * retried connect_failed}, {@code answered 502 connect_failed}, {@code refused 404 no_route},
 * {@code removed R}.
 */
class RecordingObserver implements RequestObserver {
  final Queue<String> seen = new ConcurrentLinkedQueue<>();

  @Override
  public Recorder revisionAdded(NamespacedName revision) {
    seen.add("added " + revision.name());
    return new Recorder() {
      @Override
      public void requestDone(int statusCode, long durationNanos, boolean viaActivator) {
        seen.add("done " + statusCode + (viaActivator ? " via activator" : " direct"));
      }

      @Override
      public void coldStart(long waitNanos) {
        seen.add("cold start");
      }

      @Override
      public void retried(Retry why) {
        seen.add("retried " + why.label);
      }

      @Override
      public void answered(GatewayAnswer answer) {
        seen.add("answered " + answer.status + " " + answer.label);
      }
    };
  }

  @Override
  public void revisionRemoved(NamespacedName revision) {
    seen.add("removed " + revision.name());
  }

  @Override
  public void refused(GatewayAnswer answer) {
    seen.add("refused " + answer.status + " " + answer.label);
  }

  /** What was written down that starts with {@code prefix}, in order. */
  java.util.List<String> starting(String prefix) {
    return seen.stream().filter(e -> e.startsWith(prefix)).toList();
  }
}
