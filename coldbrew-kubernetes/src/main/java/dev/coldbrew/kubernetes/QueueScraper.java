package dev.coldbrew.kubernetes;

import java.util.concurrent.CompletableFuture;

/**
 * Reads one pod's queue stats, as Knative's autoscaler scrapes {@code http://<pod IP>:9090/metrics}
 * ({@link HttpQueueScraper}); tests give the controller their own. Implementations are thread-safe
 * and must not block the caller: the result completes later, exceptionally when the pod could not
 * be read.
 */
@FunctionalInterface
public interface QueueScraper {
  CompletableFuture<QueueStats> scrape(String podIp);
}
