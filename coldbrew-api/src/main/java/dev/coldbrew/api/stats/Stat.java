package dev.coldbrew.api.stats;

import dev.coldbrew.api.model.NamespacedName;

/**
 * One report of a Revision's load, as Knative's queue-proxy and activator send it: the
 * time-weighted average concurrency over the reporting period and the number of requests that
 * arrived in it. The proxied fields count requests that came through the activator, which reports
 * them itself, so the autoscaler subtracts them from the queue's numbers to avoid counting twice.
 *
 * @param revision the Revision the load is for
 * @param timeMillis when the period ended (epoch milliseconds)
 * @param podName who reported: an instance id, or {@code activator}
 * @param averageConcurrentRequests time-weighted concurrency over the period
 * @param averageProxiedConcurrentRequests the part of it that came through the activator
 * @param requestCount requests that arrived in the period (per second)
 * @param proxiedRequestCount the part of them that came through the activator
 */
public record Stat(
    NamespacedName revision,
    long timeMillis,
    String podName,
    double averageConcurrentRequests,
    double averageProxiedConcurrentRequests,
    double requestCount,
    double proxiedRequestCount) {

  /** Where stats go: the autoscaler. Implementations are thread-safe. */
  public interface Sink {
    void accept(Stat stat);
  }
}
