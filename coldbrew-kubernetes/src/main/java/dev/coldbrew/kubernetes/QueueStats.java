package dev.coldbrew.kubernetes;

/**
 * What one pod's queue reports on its stats port, in Knative's terms (the queue-proxy's Prometheus
 * gauges of the same names): averages over the queue's last reporting period.
 *
 * @param averageConcurrentRequests {@code queue_average_concurrent_requests}
 * @param averageProxiedConcurrentRequests {@code queue_average_proxied_concurrent_requests}: the
 *     part that came through the activator
 * @param requestsPerSecond {@code queue_requests_per_second}
 * @param proxiedRequestsPerSecond {@code queue_proxied_operations_per_second}
 */
public record QueueStats(
    double averageConcurrentRequests,
    double averageProxiedConcurrentRequests,
    double requestsPerSecond,
    double proxiedRequestsPerSecond) {}
