package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;

/**
 * What the data plane needs to know about one revision. Immutable.
 *
 * @param revision the revision's key
 * @param serviceName the owning Service (may be null), for metrics and logs
 * @param configurationName the owning Configuration (may be null), for metrics and logs
 * @param containerConcurrency {@code spec.containerConcurrency}: 0 = unlimited, else the most
 *     requests one instance gets at once (0..1000)
 * @param timeoutSeconds {@code spec.timeoutSeconds}: the whole request, activator wait included; 0
 *     means the data plane's default (300)
 * @param responseStartTimeoutSeconds {@code spec.responseStartTimeoutSeconds}: until the first
 *     response byte; null or 0 = disabled
 * @param idleTimeoutSeconds {@code spec.idleTimeoutSeconds}: with no byte either way; null or 0 =
 *     disabled
 * @param http2 the app speaks HTTP/2 in cleartext (its container port is named {@code h2c}): each
 *     request is a stream on a shared connection to the instance, not a connection of its own
 */
public record RevisionConfig(
    NamespacedName revision,
    String serviceName,
    String configurationName,
    int containerConcurrency,
    int timeoutSeconds,
    Integer responseStartTimeoutSeconds,
    Integer idleTimeoutSeconds,
    boolean http2) {

  public RevisionConfig {
    if (revision == null) {
      throw new IllegalArgumentException("revision: null (expected: a namespace and name)");
    }
    if (containerConcurrency < 0 || containerConcurrency > 1000) {
      throw new IllegalArgumentException(
          "containerConcurrency: " + containerConcurrency + " (expected: 0..1000)");
    }
    if (timeoutSeconds < 0) {
      throw new IllegalArgumentException("timeoutSeconds: " + timeoutSeconds + " (expected: >= 0)");
    }
    if (responseStartTimeoutSeconds != null && responseStartTimeoutSeconds < 0) {
      throw new IllegalArgumentException(
          "responseStartTimeoutSeconds: " + responseStartTimeoutSeconds + " (expected: >= 0)");
    }
    if (idleTimeoutSeconds != null && idleTimeoutSeconds < 0) {
      throw new IllegalArgumentException(
          "idleTimeoutSeconds: " + idleTimeoutSeconds + " (expected: >= 0)");
    }
  }

  /**
   * A revision with Knative's defaults: cc 0, timeout 300 s, no response-start or idle limit,
   * HTTP/1.1.
   */
  public static RevisionConfig defaults(NamespacedName revision) {
    return new RevisionConfig(revision, null, null, 0, 0, null, null, false);
  }
}
